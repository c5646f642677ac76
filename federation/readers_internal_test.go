package federation

import (
	"testing"

	"github.com/kith-social/kith/storage"
)

func TestIsInstanceActor(t *testing.T) {
	for _, c := range []struct {
		name string
		a    storage.RemoteActor
		want bool
	}{
		{"Mastodon's /actor", storage.RemoteActor{Type: "Application", Username: "masto.example", Host: "masto.example"}, true},
		{"Misskey's instance.actor", storage.RemoteActor{Type: "Application", Username: "instance.actor", Host: "mk.example"}, true},
		{"GoToSocial's /users/host", storage.RemoteActor{Type: "Service", Username: "gts.example", Host: "gts.example"}, true},
		{"GoToSocial on a port", storage.RemoteActor{Type: "Service", Username: "gts.example", Host: "gts.example:8080"}, true},
		{"a Mastodon bot", storage.RemoteActor{Type: "Service", Username: "newsbot", Host: "masto.example"}, false},
		{"a person", storage.RemoteActor{Type: "Person", Username: "masto.example", Host: "masto.example"}, false},
		{"a group", storage.RemoteActor{Type: "Group", Username: "g", Host: "lemmy.example"}, false},
	} {
		if got := isInstanceActor(&c.a); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
