package vocab

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const groupID = "https://kith.example/groups/gardeners"

func testGroup() GroupActor {
	return GroupActor{
		ID:                        groupID,
		PreferredUsername:         "gardeners",
		Name:                      "Gardeners",
		SummaryHTML:               "<p>Soil & seeds</p>",
		URL:                       "https://kith.example/@gardeners",
		Inbox:                     groupID + "/inbox",
		Outbox:                    groupID + "/outbox",
		Followers:                 groupID + "/followers",
		Following:                 groupID + "/following",
		Featured:                  groupID + "/featured",
		Moderators:                groupID + "/moderators",
		SharedInbox:               "https://kith.example/inbox",
		IconURL:                   "https://kith.example/media/icon.png",
		IconMediaType:             "image/png",
		ImageURL:                  "https://kith.example/media/header.jpg",
		ImageMediaType:            "image/jpeg",
		PublicKeyID:               groupID + "#main-key",
		PublicKeyPEM:              "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
		ManuallyApprovesFollowers: true,
		Discoverable:              true,
		PostingRestrictedToMods:   true,
		Fields:                    []Field{{Name: "Rules", Value: "<p>Be kind</p>"}, {Name: "Site", Value: `<a href="https://example.org">example.org</a>`}},
		Published:                 time.Date(2025, 3, 1, 10, 0, 0, 250e6, time.UTC),
	}
}

// contextOf decodes a document's @context.
func contextOf(t *testing.T, doc []byte) ([]any, map[string]any) {
	t.Helper()
	var m struct {
		Context []any `json:"@context"`
	}
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	if len(m.Context) < 2 || m.Context[0] != activityStreamsIRI || m.Context[1] != securityIRI {
		t.Fatalf("@context = %v", m.Context)
	}
	terms := map[string]any{}
	if len(m.Context) == 3 {
		terms = m.Context[2].(map[string]any)
	}
	return m.Context, terms
}

func TestGroupActorRoundTrip(t *testing.T) {
	g := testGroup()
	doc, err := GroupActorJSON(g)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseActor(context.Background(), doc)
	if err != nil {
		t.Fatalf("ParseActor(%s): %v", doc, err)
	}
	want := Actor{
		ID: g.ID, Type: "Group", PreferredUsername: g.PreferredUsername, Name: g.Name, Summary: g.SummaryHTML,
		URL: g.URL, Inbox: g.Inbox, SharedInbox: g.SharedInbox, Outbox: g.Outbox, Followers: g.Followers,
		Following: g.Following, Featured: g.Featured, AttributedTo: g.Moderators, IconURL: g.IconURL,
		ImageURL: g.ImageURL, PublicKeyID: g.PublicKeyID, PublicKeyOwner: g.ID, PublicKeyPEM: g.PublicKeyPEM,
		ManuallyApprovesFollowers: true, Discoverable: true, Indexable: true, PostingRestrictedToMods: true,
		Fields: g.Fields, Published: g.Published, Raw: doc,
	}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *a, want)
	}
	_, terms := contextOf(t, doc)
	for _, term := range []string{"manuallyApprovesFollowers", "discoverable", "indexable", "featured", "PropertyValue", "value", "postingRestrictedToMods", "toot", "schema", "lemmy"} {
		if _, ok := terms[term]; !ok {
			t.Errorf("@context lacks %q: %v", term, terms)
		}
	}
	if f, _ := terms["featured"].(map[string]any); f["@type"] != "@id" {
		t.Errorf("featured term = %v", terms["featured"])
	}
	if strings.Contains(string(doc), `\u003c`) {
		t.Errorf("HTML escaped: %s", doc)
	}
}

func TestApplicationActor(t *testing.T) {
	doc, err := ApplicationActorJSON(ApplicationActor{
		ID: "https://kith.example/actor", PreferredUsername: "kith.example", Inbox: "https://kith.example/actor/inbox",
		SharedInbox: "https://kith.example/inbox", PublicKeyID: "https://kith.example/actor#main-key", PublicKeyPEM: "PEM",
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseActor(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != "Application" || a.PreferredUsername != "kith.example" || a.PublicKeyOwner != a.ID || a.SharedInbox == "" {
		t.Errorf("instance actor = %+v", a)
	}
}

func TestNoteRoundTrip(t *testing.T) {
	n := Note{
		ID: groupID + "/posts/1", AttributedTo: groupID, ContentHTML: "<p>Hello <a href=\"x\">@gardeners</a> #seeds</p>",
		Summary: "spoilers", URL: "https://kith.example/@gardeners/1", InReplyTo: "https://m.example/n/0", Audience: groupID,
		To: []string{PublicAddress}, Cc: []string{groupID + "/followers"},
		Tags: []Tag{
			{Type: "Mention", Href: groupID, Name: "@gardeners@kith.example"},
			{Type: "Hashtag", Href: "https://kith.example/tags/seeds", Name: "#seeds"},
		},
		Attachments: []Attachment{{Type: "Image", MediaType: "image/png", URL: "https://kith.example/m/1.png", Name: "a seed", Width: 640, Height: 480}},
		Published:   time.Date(2025, 3, 1, 10, 0, 0, 123e6, time.UTC),
	}
	doc, err := NoteJSON(n)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseObject(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if o.Type != "Note" || o.Content != n.ContentHTML || o.Summary != n.Summary || !o.Sensitive || o.URL != n.URL ||
		o.InReplyTo != n.InReplyTo || !slices.Equal(o.Audience, []string{groupID}) || !slices.Equal(o.To, n.To) ||
		!slices.Equal(o.Cc, n.Cc) || !slices.Equal(o.Tags, n.Tags) || !slices.Equal(o.Attachments, n.Attachments) ||
		!o.Published.Equal(n.Published) {
		t.Errorf("note round trip:\n got %+v\nwant %+v", o, n)
	}
	if _, terms := contextOf(t, doc); terms["Hashtag"] != "as:Hashtag" || terms["sensitive"] != "as:sensitive" {
		t.Errorf("@context terms = %v", terms)
	}
}

var millis = regexp.MustCompile(`"published":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`)

func TestAnnounce(t *testing.T) {
	published := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) // whole second: still .000
	create := json.RawMessage(`{"id":"https://m.example/c/1","type":"Create","actor":"https://m.example/u/a","object":{"id":"https://m.example/n/1","type":"Note","content":"<b>hi</b>","x":1.50}}`)
	tests := []struct {
		name   string
		object any
		check  func(t *testing.T, a *Activity)
	}{
		{"plain boost", "https://m.example/n/1", func(t *testing.T, a *Activity) {
			if a.Object.ID != "https://m.example/n/1" || a.Object.Embedded {
				t.Errorf("object = %+v", a.Object)
			}
		}},
		{"FEP-1b12 Announce{Create}", create, func(t *testing.T, a *Activity) {
			if string(a.Object.Raw) != string(create) {
				t.Errorf("embedded activity changed:\n got %s\nwant %s", a.Object.Raw, create)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Announce(groupID+"/announces/1", groupID, tt.object, []string{PublicAddress}, []string{groupID + "/followers"}, published)
			if err != nil {
				t.Fatal(err)
			}
			if !millis.Match(doc) {
				t.Errorf("published without milliseconds: %s", doc)
			}
			a, err := ParseActivity(context.Background(), doc)
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != "Announce" || a.Actor != groupID || !a.Published.Equal(published) {
				t.Errorf("announce = %+v", a)
			}
			tt.check(t, a)
		})
	}
	if _, err := Announce(groupID+"/a", groupID, 42, nil, nil, published); err == nil {
		t.Error("Announce of an int: no error")
	}
}

func TestActivityBuilders(t *testing.T) {
	follow, err := ParseActivity(context.Background(), []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.example/f/1","type":"Follow","actor":"https://m.example/u/a","object":"`+groupID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	note, err := NoteJSON(Note{ID: groupID + "/posts/1", AttributedTo: groupID, ContentHTML: "hi", To: []string{PublicAddress}})
	if err != nil {
		t.Fatal(err)
	}
	announce, err := Announce(groupID+"/announces/1", groupID, "https://m.example/n/1", []string{PublicAddress}, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	to, cc := []string{PublicAddress}, []string{groupID + "/followers"}
	tests := []struct {
		name               string
		build              func() ([]byte, error)
		typ, object, inner string // inner: embedded object's type, "" when by id
		target             string
	}{
		{"Accept embeds the Follow", func() ([]byte, error) { return Accept(groupID+"/accepts/1", groupID, follow) }, "Accept", "https://m.example/f/1", "Follow", ""},
		{"Accept rebuilds a Follow without raw", func() ([]byte, error) {
			f := *follow
			f.Raw = nil
			return Accept(groupID+"/accepts/1", groupID, &f)
		}, "Accept", "https://m.example/f/1", "Follow", ""},
		{"Reject", func() ([]byte, error) { return Reject(groupID+"/rejects/1", groupID, follow) }, "Reject", "https://m.example/f/1", "Follow", ""},
		{"Create", func() ([]byte, error) { return Create(groupID+"/posts/1/create", groupID, note, to, cc) }, "Create", groupID + "/posts/1", "Note", ""},
		{"Update", func() ([]byte, error) { return Update(groupID+"/posts/1/update", groupID, note, to, cc) }, "Update", groupID + "/posts/1", "Note", ""},
		{"Undo embeds the Announce", func() ([]byte, error) { return Undo(groupID+"/undo/1", groupID, announce, to, cc) }, "Undo", groupID + "/announces/1", "Announce", ""},
		{"Delete by id", func() ([]byte, error) { return Delete(groupID+"/delete/1", groupID, groupID+"/posts/1", to, cc) }, "Delete", groupID + "/posts/1", "", ""},
		{"Delete with Tombstone", func() ([]byte, error) {
			return DeleteTombstone(groupID+"/delete/1", groupID, groupID+"/posts/1", to, cc)
		}, "Delete", groupID + "/posts/1", "Tombstone", ""},
		{"Add to featured", func() ([]byte, error) {
			return Add(groupID+"/add/1", groupID, groupID+"/posts/1", groupID+"/featured", to, cc)
		}, "Add", groupID + "/posts/1", "", groupID + "/featured"},
		{"Remove from featured", func() ([]byte, error) {
			return Remove(groupID+"/remove/1", groupID, groupID+"/posts/1", groupID+"/featured", to, cc)
		}, "Remove", groupID + "/posts/1", "", groupID + "/featured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			contextOf(t, doc)
			if strings.Count(string(doc), "@context") != 1 {
				t.Errorf("nested @context: %s", doc)
			}
			a, err := ParseActivity(context.Background(), doc)
			if err != nil {
				t.Fatalf("ParseActivity(%s): %v", doc, err)
			}
			if a.Type != tt.typ || a.Actor != groupID || a.Object == nil || a.Object.ID != tt.object || a.Target != tt.target {
				t.Errorf("activity = %+v, object %+v", a, a.Object)
			}
			if a.Object.Embedded != (tt.inner != "") || a.Object.Type != tt.inner {
				t.Errorf("object embedded = %v, type %q; want %q", a.Object.Embedded, a.Object.Type, tt.inner)
			}
			if tt.inner == "Follow" && (a.Object.Actor != "https://m.example/u/a" || a.Object.Object.ID != groupID || !slices.Equal(a.To, []string{"https://m.example/u/a"})) {
				t.Errorf("answer to Follow = %+v, object %+v", a, a.Object)
			}
		})
	}
}

func TestBuildersRefuseBadIRIs(t *testing.T) {
	tests := []struct {
		name  string
		build func() ([]byte, error)
	}{
		{"group without inbox", func() ([]byte, error) { g := testGroup(); g.Inbox = ""; return GroupActorJSON(g) }},
		{"group with relative id", func() ([]byte, error) { g := testGroup(); g.ID = "/g"; return GroupActorJSON(g) }},
		{"note with bad cc", func() ([]byte, error) {
			return NoteJSON(Note{ID: groupID + "/p", AttributedTo: groupID, Cc: []string{"followers"}})
		}},
		{"create of non-object", func() ([]byte, error) { return Create(groupID+"/c", groupID, []byte(`[1]`), nil, nil) }},
		{"delete of relative id", func() ([]byte, error) { return Delete(groupID+"/d", groupID, "/p/1", nil, nil) }},
		{"page with bad item", func() ([]byte, error) { return OrderedCollectionPage(groupID+"/o?p=1", groupID+"/o", []any{1}, "", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if doc, err := tt.build(); err == nil {
				t.Errorf("no error, built %s", doc)
			}
		})
	}
}

func TestCollections(t *testing.T) {
	item := json.RawMessage(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://kith.example/n/1","type":"Note","content":"pinned"}`)
	tests := []struct {
		name  string
		build func() ([]byte, error)
		want  map[string]any
	}{
		{"paged", func() ([]byte, error) {
			return OrderedCollection(groupID+"/followers", 42, groupID+"/followers?page=1")
		},
			map[string]any{"type": "OrderedCollection", "totalItems": 42.0, "first": groupID + "/followers?page=1"}},
		{"inline, one item stays a list", func() ([]byte, error) { return OrderedCollectionItems(groupID+"/featured", []any{item}) },
			map[string]any{"type": "OrderedCollection", "totalItems": 1.0, "orderedItems": []any{map[string]any{"id": "https://kith.example/n/1", "type": "Note", "content": "pinned"}}}},
		{"empty page", func() ([]byte, error) {
			return OrderedCollectionPage(groupID+"/outbox?page=1", groupID+"/outbox", nil, "", "")
		},
			map[string]any{"type": "OrderedCollectionPage", "partOf": groupID + "/outbox", "orderedItems": []any{}}},
		{"page with IRIs", func() ([]byte, error) {
			return OrderedCollectionPage(groupID+"/followers?page=2", groupID+"/followers", []any{"https://m.example/u/a"}, groupID+"/followers?page=3", groupID+"/followers?page=1")
		}, map[string]any{"orderedItems": []any{"https://m.example/u/a"}, "next": groupID + "/followers?page=3", "prev": groupID + "/followers?page=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			contextOf(t, doc)
			var m map[string]any
			if err := json.Unmarshal(doc, &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(m[k], v) {
					t.Errorf("%s = %#v, want %#v", k, m[k], v)
				}
			}
		})
	}
}
