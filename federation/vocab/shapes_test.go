package vocab

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The core shapes of each server Kith meets most (testdata/shapes), written
// for this project after each server's documentation and source: a Follow,
// a Create{Note} that mentions the group and replies to its post, a Like,
// an Undo, a Delete and the actor document; for Mobilizon an Event too
// (Mobilizon sends no Like). They run on every checkout, with or without
// the real captured payloads in shared/fixtures.

const (
	shapesGroup = "https://kith.example/groups/gardeners"
	shapesPost  = shapesGroup + "/posts/01JEG5Q9M3W2S8ZB7N4K6T0XYV"
)

// shapeActors is each server's actor in its shapes, and where it keeps
// the shared inbox and the key.
var shapeActors = map[string]struct{ id, sharedInbox, keyID string }{
	"mastodon":   {"https://mastodon.example/users/alice", "https://mastodon.example/inbox", "https://mastodon.example/users/alice#main-key"},
	"gotosocial": {"https://gts.example/users/bob", "https://gts.example/sharedInbox", "https://gts.example/users/bob/main-key"},
	"misskey":    {"https://misskey.example/users/9zq1w2e3r4", "https://misskey.example/inbox", "https://misskey.example/users/9zq1w2e3r4#main-key"},
	"lemmy":      {"https://lemmy.example/u/dave", "https://lemmy.example/inbox", "https://lemmy.example/u/dave#main-key"},
	"mobilizon":  {"https://mobilizon.example/@erin", "https://mobilizon.example/inbox", "https://mobilizon.example/@erin#main-key"},
}

func readShape(t *testing.T, server, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "shapes", server, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Every file under testdata/shapes is one of the shapes tested below.
func TestShapesAllTested(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "shapes", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"actor", "create_note", "delete", "follow", "like", "undo"}
	var got, expected []string
	for _, f := range files {
		got = append(got, filepath.ToSlash(strings.TrimPrefix(f, filepath.Join("testdata", "shapes")+string(filepath.Separator))))
	}
	for server := range shapeActors {
		for _, name := range want {
			if server == "mobilizon" && name == "like" {
				name = "event"
			}
			expected = append(expected, server+"/"+name+".json")
		}
	}
	slices.Sort(got)
	slices.Sort(expected)
	if !slices.Equal(got, expected) {
		t.Errorf("shapes on disk:\n%q\nwant:\n%q", got, expected)
	}
}

func TestShapeActors(t *testing.T) {
	for server, want := range shapeActors {
		t.Run(server, func(t *testing.T) {
			a, err := ParseActor(context.Background(), readShape(t, server, "actor"))
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != want.id || a.Type != "Person" || a.PreferredUsername == "" {
				t.Errorf("actor %q %q %q", a.ID, a.Type, a.PreferredUsername)
			}
			if a.Inbox == "" || !strings.HasPrefix(a.Inbox, want.id) {
				t.Errorf("inbox %q", a.Inbox)
			}
			if a.SharedInbox != want.sharedInbox {
				t.Errorf("shared inbox %q, want %q", a.SharedInbox, want.sharedInbox)
			}
			if a.PublicKeyID != want.keyID || a.PublicKeyOwner != want.id ||
				!strings.HasPrefix(a.PublicKeyPEM, "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("key %q owned by %q: %.40q", a.PublicKeyID, a.PublicKeyOwner, a.PublicKeyPEM)
			}
		})
	}
}

func TestShapeActivities(t *testing.T) {
	tests := []struct {
		name, object   string // file, and the object's id (for an embedded object, its id)
		typ, objType   string // the activity's type, and the embedded object's ("" when given by id)
		objectEmbedded bool
	}{
		{name: "follow", typ: "Follow", object: shapesGroup},
		{name: "like", typ: "Like", object: shapesPost},
		{name: "create_note", typ: "Create", objType: "Note", objectEmbedded: true},
		{name: "undo", typ: "Undo", objectEmbedded: true},
		{name: "delete", typ: "Delete"},
	}
	for server, actor := range shapeActors {
		for _, tt := range tests {
			if server == "mobilizon" && tt.name == "like" {
				continue
			}
			t.Run(server+"/"+tt.name, func(t *testing.T) {
				raw := readShape(t, server, tt.name)
				a, err := ParseActivity(context.Background(), raw)
				if err != nil {
					t.Fatal(err)
				}
				if a.Type != tt.typ || a.Actor != actor.id || a.ID == "" {
					t.Errorf("%s %s by %s, want %s by %s", a.Type, a.ID, a.Actor, tt.typ, actor.id)
				}
				if string(a.Raw) != string(raw) {
					t.Error("Raw differs from the bytes received")
				}
				if a.Object == nil || a.Object.ID == "" {
					t.Fatalf("no object: %+v", a.Object)
				}
				if tt.object != "" && a.Object.ID != tt.object {
					t.Errorf("object %q, want %q", a.Object.ID, tt.object)
				}
				if tt.objectEmbedded && !a.Object.Embedded {
					t.Error("object given by id, want embedded")
				}
				if tt.objType != "" && a.Object.Type != tt.objType {
					t.Errorf("object type %q, want %q", a.Object.Type, tt.objType)
				}
				switch tt.name {
				case "create_note":
					checkShapeNote(t, a.Object, actor.id)
				case "undo":
					// What is undone: a Follow of the group or a Like of its post.
					inner := a.Object
					if inner.Actor != actor.id || (inner.Type != "Follow" && inner.Type != "Like") ||
						inner.Object == nil || (inner.Object.ID != shapesGroup && inner.Object.ID != shapesPost) {
						t.Errorf("undone %s by %s of %+v", inner.Type, inner.Actor, inner.Object)
					}
				case "delete":
					// The deleted note is the actor's own (by id or as a Tombstone).
					if origin(a.Object.ID) != origin(actor.id) {
						t.Errorf("deleted %q is not on the actor's server", a.Object.ID)
					}
					if a.Object.Embedded && a.Object.Type != "Tombstone" {
						t.Errorf("embedded deleted object is a %s", a.Object.Type)
					}
				}
			})
		}
	}
}

// origin is an IRI's scheme and host.
func origin(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return iri
	}
	return u.Scheme + "://" + u.Host
}

// checkShapeNote: a reply to the group's post, by the actor, that mentions
// the group, with content and a publication time.
func checkShapeNote(t *testing.T, n *Object, actor string) {
	t.Helper()
	if n.AttributedTo != actor {
		t.Errorf("attributedTo %q", n.AttributedTo)
	}
	if n.InReplyTo != shapesPost {
		t.Errorf("inReplyTo %q", n.InReplyTo)
	}
	if !strings.Contains(n.Content, "gardeners") {
		t.Errorf("content %q", n.Content)
	}
	if n.Published.IsZero() {
		t.Error("no published time")
	}
	mentions := slices.IndexFunc(n.Tags, func(tag Tag) bool { return tag.Type == "Mention" && tag.Href == shapesGroup })
	if mentions < 0 {
		t.Errorf("no Mention of the group in %+v", n.Tags)
	}
	if !slices.Contains(append(n.To, n.Cc...), "https://www.w3.org/ns/activitystreams#Public") {
		t.Errorf("not public: to %q cc %q", n.To, n.Cc)
	}
}

// Mobilizon's Event, as a member shares it with a group: times with their
// zone, the place and Mobilizon's own terms.
func TestShapeMobilizonEvent(t *testing.T) {
	obj, err := ParseObject(context.Background(), readShape(t, "mobilizon", "event"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 4, 17, 8, 0, 0, 0, time.UTC)
	if obj.Type != "Event" || obj.Name != "Spring plant fair" || !obj.StartTime.Equal(start) ||
		!obj.EndTime.Equal(start.Add(6*time.Hour)) || obj.AttributedTo != "https://mobilizon.example/@erin" {
		t.Errorf("event %s %q %v–%v by %s", obj.Type, obj.Name, obj.StartTime, obj.EndTime, obj.AttributedTo)
	}
	info, err := ParseEventInfo(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := EventInfo{
		Timezone: "Europe/Paris", Status: "CONFIRMED", JoinMode: "free", Participants: 3,
		PlaceName: "Community garden", PlaceAddress: "12 rue des Jardins, 75011, Paris, Île-de-France, France",
	}
	if info != want {
		t.Errorf("event info\n%+v, want\n%+v", info, want)
	}
}
