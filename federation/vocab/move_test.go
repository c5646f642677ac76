package vocab

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// alsoKnownAs and movedTo (account migration) are read in the shapes
// servers write them, and a group that moves publishes them with their
// term definitions.
func TestActorMoveTerms(t *testing.T) {
	const base = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://new.example/users/a","type":"Person","inbox":"https://new.example/users/a/inbox"`
	for _, tc := range []struct {
		name, extra string
		aka         []string
		movedTo     string
	}{
		{"none", ``, nil, ""},
		{"one IRI", `,"alsoKnownAs":"https://old.example/users/a"`, []string{"https://old.example/users/a"}, ""},
		{"a list (Mastodon)", `,"alsoKnownAs":["https://old.example/users/a","https://older.example/u/a"]`, []string{"https://old.example/users/a", "https://older.example/u/a"}, ""},
		{"an empty list (Pleroma)", `,"alsoKnownAs":[]`, nil, ""},
		{"objects", `,"alsoKnownAs":[{"id":"https://old.example/users/a","type":"Person"}]`, []string{"https://old.example/users/a"}, ""},
		{"moved", `,"movedTo":"https://newer.example/users/a"`, nil, "https://newer.example/users/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseActor(context.Background(), []byte(base+tc.extra+"}"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.AlsoKnownAs, tc.aka) || a.MovedTo != tc.movedTo {
				t.Errorf("alsoKnownAs %v movedTo %q, want %v %q", a.AlsoKnownAs, a.MovedTo, tc.aka, tc.movedTo)
			}
		})
	}

	g := testGroup()
	g.AlsoKnownAs, g.MovedTo = []string{"https://old.example/groups/g"}, "https://new.example/groups/g"
	doc, err := GroupActorJSON(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"alsoKnownAs":{"@id":"as:alsoKnownAs","@type":"@id"}`, `"movedTo":{"@id":"as:movedTo","@type":"@id"}`,
		`"alsoKnownAs":["https://old.example/groups/g"]`, `"movedTo":"https://new.example/groups/g"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("group document lacks %s: %s", want, doc)
		}
	}
	back, err := ParseActor(context.Background(), doc)
	if err != nil || !slices.Equal(back.AlsoKnownAs, g.AlsoKnownAs) || back.MovedTo != g.MovedTo {
		t.Errorf("round trip: %+v %v", back, err)
	}

	move, err := Move("https://old.example/groups/g/activities/1", "https://old.example/groups/g", "https://new.example/groups/g", []string{"https://old.example/groups/g/followers"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(move, &m); err != nil {
		t.Fatal(err)
	}
	if m["type"] != "Move" || m["actor"] != m["object"] || m["target"] != "https://new.example/groups/g" {
		t.Errorf("Move: %s", move)
	}
	act, err := ParseActivity(context.Background(), move)
	if err != nil || act.Target != "https://new.example/groups/g" || act.Object.ID != act.Actor {
		t.Errorf("Move parsed back: %+v %v", act, err)
	}
}
