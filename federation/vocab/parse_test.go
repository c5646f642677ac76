package vocab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest/fixtures"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures.Dir(t), name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return raw
}

func TestParseActivityFixtureFields(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file  string
		check func(t *testing.T, a *Activity)
	}{
		{"mastodon/activities/create_note.json", func(t *testing.T, a *Activity) {
			want := "https://mastodon.madrid/users/felix"
			if a.Type != "Create" || a.Actor != want {
				t.Errorf("type, actor = %q, %q", a.Type, a.Actor)
			}
			o := a.Object
			if o == nil || !o.Embedded || o.ID != "https://mastodon.madrid/users/felix/statuses/107224289116410645" || o.Type != "Note" {
				t.Fatalf("object = %+v", o)
			}
			if !slices.Equal(a.To, []string{"https://mastodon.madrid/users/felix/followers"}) ||
				!slices.Equal(a.Cc, []string{PublicAddress, "https://mamot.fr/users/retiolus"}) {
				t.Errorf("to, cc = %v, %v", a.To, a.Cc)
			}
			if len(o.Tags) != 1 || o.Tags[0] != (Tag{Type: "Mention", Href: "https://mamot.fr/users/retiolus", Name: "@retiolus@mamot.fr"}) {
				t.Errorf("tags = %+v", o.Tags)
			}
			if o.AttributedTo != want || o.InReplyTo == "" || !strings.HasPrefix(o.Content, "<p>") || o.ContentMap["en"] == "" {
				t.Errorf("object fields = %+v", o)
			}
			if !o.Published.Equal(time.Date(2021, 11, 5, 11, 46, 50, 0, time.UTC)) {
				t.Errorf("published = %v", o.Published)
			}
		}},
		{"lemmy/activities/community/announce_create_page.json", func(t *testing.T, a *Activity) {
			c := a.Object
			if a.Type != "Announce" || c == nil || c.Type != "Create" || c.Actor != "http://enterprise.lemmy.ml/u/lemmy_beta" {
				t.Fatalf("announce = %+v, object %+v", a, c)
			}
			if !strings.Contains(string(c.Raw), `"commentsEnabled": true`) {
				t.Errorf("embedded Create lost its exact bytes: %s", c.Raw)
			}
			p := c.Object
			if p == nil || p.Type != "Page" || p.Name != "post 4" || !slices.Equal(p.Audience, []string{"http://enterprise.lemmy.ml/u/main"}) {
				t.Errorf("page = %+v", p)
			}
			if p.Published.Nanosecond() != 871846000 {
				t.Errorf("published lost its fraction: %v", p.Published)
			}
		}},
		{"mastodon/activities/flag.json", func(t *testing.T, a *Activity) {
			if len(a.ObjectIDs) != 3 || a.Object.ID != "https://example.com/users/1" || a.Object.Embedded {
				t.Errorf("objects = %v, %+v", a.ObjectIDs, a.Object)
			}
			if !slices.Equal(a.To, []string{"https://example.com/users/1"}) || a.Content == "" {
				t.Errorf("bare-string to = %v, content %q", a.To, a.Content)
			}
		}},
		{"mastodon/activities/undo_follow.json", func(t *testing.T, a *Activity) {
			f := a.Object
			if f == nil || f.Type != "Follow" || f.Actor != "https://masto.asonix.dog/users/asonix" || f.Object == nil || f.Object.ID != "https://ds9.lemmy.ml/c/testcom" {
				t.Errorf("undo object = %+v", f)
			}
			if a.ID != "https://masto.asonix.dog/users/asonix#follows/449/undo" {
				t.Errorf("id with fragment = %q", a.ID)
			}
		}},
		{"lemmy/activities/community/lock_note.json", func(t *testing.T, a *Activity) {
			if a.Type != "Lock" || a.Object.ID != "https://lemmy-alpha/comment/1" || a.Summary != "A reason for a lock" {
				t.Errorf("unknown type = %+v", a)
			}
		}},
		{"peertube/activities/announce_video.json", func(t *testing.T, a *Activity) {
			if a.Object == nil || a.Object.Embedded || a.Object.ID == "" {
				t.Errorf("id-only object = %+v", a.Object)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := ParseActivity(ctx, mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a)
		})
	}
}

func TestParseObjectFixtureFields(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file  string
		check func(t *testing.T, o *Object)
	}{
		{"mobilizon/objects/event.json", func(t *testing.T, o *Object) {
			if o.Type != "Event" || o.StartTime.IsZero() || o.EndTime.IsZero() || o.Location != "The Kenn Centre" {
				t.Errorf("event = %+v", o)
			}
			if len(o.Tags) != 3 || o.Tags[0].Type != "Hashtag" || o.Tags[0].Name != "#Dance" {
				t.Errorf("hashtags = %+v", o.Tags)
			}
		}},
		{"lemmy/objects/page_image_and_link.json", func(t *testing.T, o *Object) {
			if len(o.Attachments) != 2 || o.Source == nil || o.Source.MediaType != "text/markdown" {
				t.Errorf("page = %+v", o)
			}
		}},
		{"peertube/objects/video.json", func(t *testing.T, o *Object) {
			if o.Type != "Video" || o.URL == "" {
				t.Errorf("video = %+v", o)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			o, err := ParseObject(ctx, mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

func TestParseActorFixtureFields(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file                                  string
		sharedInbox, featured, keyID, preferr string
		locked                                bool
		fields                                int
	}{
		{"mastodon/objects/person.json", "https://masto.qa.urbanwildlife.biz/inbox", "https://masto.qa.urbanwildlife.biz/users/mastodon/collections/featured", "https://masto.qa.urbanwildlife.biz/users/mastodon#main-key", "mastodon", false, 0},
		{"lemmy/objects/group.json", "https://enterprise.lemmy.ml/inbox", "https://enterprise.lemmy.ml/c/tenforward//featured", "https://enterprise.lemmy.ml/c/tenforward#main-key", "tenforward", false, 0},
		{"friendica/objects/person_1.json", "https://soc.schuerz.at/inbox", "", "https://soc.schuerz.at/profile/jakob#main-key", "jakob", true, 6},
		{"pleroma/objects/person.json", "https://queer.hacktivis.me/inbox", "https://queer.hacktivis.me/users/lanodan/collections/featured", "https://queer.hacktivis.me/users/lanodan#main-key", "lanodan", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := ParseActor(ctx, mustRead(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if a.SharedInbox != tt.sharedInbox || a.Featured != tt.featured || a.PublicKeyID != tt.keyID ||
				a.PreferredUsername != tt.preferr || a.ManuallyApprovesFollowers != tt.locked || len(a.Fields) != tt.fields {
				t.Errorf("actor = %+v", a)
			}
			if a.PublicKeyOwner != a.ID || !strings.HasPrefix(a.PublicKeyPEM, "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("key owner %q, pem %.30q", a.PublicKeyOwner, a.PublicKeyPEM)
			}
		})
	}
}

func TestParseActivityShapes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, a *Activity)
	}{
		{"to as bare string", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","object":"https://y.example/n/1","to":"https://y.example/u/b"}`,
			func(t *testing.T, a *Activity) {
				if !slices.Equal(a.To, []string{"https://y.example/u/b"}) {
					t.Errorf("to = %v", a.To)
				}
			}},
		{"tag as one object", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/n/1","type":"Note","content":"hi","tag":{"type":"Hashtag","href":"https://x.example/t/a","name":"#a"}}}`,
			func(t *testing.T, a *Activity) {
				if len(a.Object.Tags) != 1 || a.Object.Tags[0].Type != "Hashtag" || a.Object.Tags[0].Name != "#a" {
					t.Errorf("tags = %+v", a.Object.Tags)
				}
			}},
		{"actor as list", `{"id":"https://x.example/a/1","type":"Follow","actor":["https://x.example/u/a","https://x.example/u/b"],"object":"https://k.example/g/1"}`,
			func(t *testing.T, a *Activity) {
				if a.Actor != "https://x.example/u/a" {
					t.Errorf("actor = %q", a.Actor)
				}
			}},
		{"actor embedded", `{"id":"https://x.example/a/1","type":"Follow","actor":{"type":"Person","id":"https://x.example/u/a","inbox":"https://x.example/u/a/inbox"},"object":"https://k.example/g/1"}`,
			func(t *testing.T, a *Activity) {
				if a.Actor != "https://x.example/u/a" {
					t.Errorf("actor = %q", a.Actor)
				}
			}},
		{"attributedTo list of objects", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/n/1","type":"Note","attributedTo":[{"type":"Person","id":"https://x.example/u/a"},"https://x.example/u/b"]}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.AttributedTo != "https://x.example/u/a" {
					t.Errorf("attributedTo = %q", a.Object.AttributedTo)
				}
			}},
		{"ids with fragment and query", `{"id":"https://x.example/users/felix#likes/212340","type":"Like","actor":"https://example.org/?author=0","object":"https://y.example/n/1?x=1#y"}`,
			func(t *testing.T, a *Activity) {
				if a.ID != "https://x.example/users/felix#likes/212340" || a.Actor != "https://example.org/?author=0" || a.Object.ID != "https://y.example/n/1?x=1#y" {
					t.Errorf("ids = %q %q %q", a.ID, a.Actor, a.Object.ID)
				}
			}},
		{"contentMap only", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/n/1","type":"Note","contentMap":{"fr":"<p>salut</p>","en":"<p>hi</p>"}}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.Content != "<p>hi</p>" || a.Object.ContentMap["fr"] != "<p>salut</p>" {
					t.Errorf("content = %q, map %v", a.Object.Content, a.Object.ContentMap)
				}
			}},
		{"null values", `{"@context":null,"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","to":null,"cc":[null],"object":{"id":"https://x.example/n/1","type":"Note","summary":null,"content":null,"inReplyTo":null,"tag":null,"attachment":[null]}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.ID != "https://x.example/n/1" || len(a.To) != 0 {
					t.Errorf("activity = %+v", a)
				}
			}},
		{"missing context, unknown type", `{"id":"https://x.example/a/1","type":"EmojiReact","actor":"https://x.example/u/a","object":"https://y.example/n/1","content":"🌱"}`,
			func(t *testing.T, a *Activity) {
				if a.Type != "EmojiReact" || a.Content != "🌱" {
					t.Errorf("activity = %+v", a)
				}
			}},
		{"unknown embedded type", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/m/1","type":"ChatMessage","content":"yo","attributedTo":"https://x.example/u/a"}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.Type != "ChatMessage" || a.Object.Content != "yo" || a.Object.AttributedTo != "https://x.example/u/a" {
					t.Errorf("object = %+v", a.Object)
				}
			}},
		{"type list", `{"id":"https://x.example/a/1","type":["Create","Foo"],"actor":"https://x.example/u/a","object":"https://x.example/n/1"}`,
			func(t *testing.T, a *Activity) {
				if a.Type != "Create" {
					t.Errorf("type = %q", a.Type)
				}
			}},
		{"as:Public", `{"id":"https://x.example/a/1","type":"Announce","actor":"https://x.example/u/a","object":"https://x.example/n/1","to":"as:Public"}`,
			func(t *testing.T, a *Activity) {
				if !slices.Equal(a.To, []string{PublicAddress}) {
					t.Errorf("to = %v", a.To)
				}
			}},
		{"question", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/q/1","type":"Question","content":"?","endTime":"2030-01-01T00:00:00Z","oneOf":[{"type":"Note","name":"yes","replies":{"type":"Collection","totalItems":3}},{"type":"Note","name":"no"}]}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.Type != "Question" || !slices.Equal(a.Object.OneOf, []string{"yes", "no"}) || a.Object.EndTime.IsZero() {
					t.Errorf("question = %+v", a.Object)
				}
			}},
		{"id-less transient activity", `{"type":"EmojiReact","actor":"https://x.example/u/a","object":"https://y.example/n/1"}`,
			func(t *testing.T, a *Activity) {
				if a.ID != "" {
					t.Errorf("id = %q", a.ID)
				}
			}},
		{"embedded follow without id", `{"id":"https://x.example/a/1","type":"Accept","actor":"https://x.example/u/a","object":{"type":"Follow","actor":"https://k.example/g/1","object":"https://x.example/u/a"}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.Type != "Follow" || a.Object.Actor != "https://k.example/g/1" {
					t.Errorf("object = %+v", a.Object)
				}
			}},
		{"embedded object without type is a reference", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","object":{"id":"https://y.example/n/1"}}`,
			func(t *testing.T, a *Activity) {
				if a.Object.ID != "https://y.example/n/1" || a.Object.Embedded {
					t.Errorf("object = %+v", a.Object)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseActivity(ctx, []byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if string(a.Raw) != tt.json {
				t.Errorf("Raw = %s", a.Raw)
			}
			tt.check(t, a)
		})
	}
}

func TestParseActivityRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, json, reason string
	}{
		{"empty", ``, "empty document"},
		{"not JSON", `{"type":`, "not JSON"},
		{"array", `[{"type":"Follow"}]`, "JSON array, not an object"},
		{"string", `"Follow"`, "JSON string, not an object"},
		{"null", `null`, "JSON null, not an object"},
		{"missing type", `{"id":"https://x.example/a/1","actor":"https://x.example/u/a"}`, "missing type"},
		{"numeric type", `{"id":"https://x.example/a/1","type":7,"actor":"https://x.example/u/a"}`, "type is a number"},
		{"follow without id", `{"type":"Follow","actor":"https://x.example/u/a","object":"https://k.example/g/1"}`, "Follow has no id"},
		{"create without id", `{"type":"Create","actor":"https://x.example/u/a","object":"https://x.example/n/1"}`, "Create has no id"},
		{"no actor", `{"id":"https://x.example/a/1","type":"Like","object":"https://x.example/n/1"}`, "Like has no actor"},
		{"object, not activity", `{"id":"https://x.example/n/1","type":"Note","content":"hi"}`, "Note is an object, not an activity"},
		{"relative id", `{"id":"/a/1","type":"Like","actor":"https://x.example/u/a","object":"https://x.example/n/1"}`, "not an absolute http(s) IRI"},
		{"non-http id", `{"id":"urn:uuid:1","type":"Like","actor":"https://x.example/u/a","object":"https://x.example/n/1"}`, "not an absolute http(s) IRI"},
		{"numeric id", `{"id":7,"type":"Like","actor":"https://x.example/u/a"}`, "id is a number"},
		{"non-http actor", `{"id":"https://x.example/a/1","type":"Like","actor":"acct:a@x.example","object":"https://x.example/n/1"}`, "actor \"acct:a@x.example\" is not an absolute http(s) IRI"},
		{"numeric actor", `{"id":"https://x.example/a/1","type":"Like","actor":5,"object":"https://x.example/n/1"}`, "actor holds a number"},
		{"numeric to", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","to":5}`, "to holds a number"},
		{"numeric content", `{"id":"https://x.example/a/1","type":"Create","actor":"https://x.example/u/a","object":{"id":"https://x.example/n/1","type":"Note","content":5}}`, "content is a number"},
		{"numeric object", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","object":5}`, "object holds a number"},
		{"relative object", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","object":"n/1"}`, "object \"n/1\" is not an absolute"},
		{"too deep", `{"id":"https://x.example/a/1","type":"Like","actor":"https://x.example/u/a","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseActivity(ctx, []byte(tt.json))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("ParseActivity = %+v, %v; want ErrInvalid with %q", a, err, tt.reason)
			}
		})
	}
}

func TestParseActorRefuses(t *testing.T) {
	tests := []struct{ name, json, reason string }{
		{"no inbox", `{"id":"https://x.example/u/a","type":"Person"}`, "has no inbox"},
		{"no id", `{"type":"Person","inbox":"https://x.example/u/a/inbox"}`, "has no id"},
		{"relative inbox", `{"id":"https://x.example/u/a","type":"Person","inbox":"/inbox"}`, "inbox \"/inbox\" is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseActor(context.Background(), []byte(tt.json))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("ParseActor error = %v, want ErrInvalid with %q", err, tt.reason)
			}
		})
	}
}

func TestParseActorPublicKeyShapes(t *testing.T) {
	const base = `{"id":"https://x.example/u/a","type":"Service","inbox":"https://x.example/u/a/inbox",`
	tests := []struct{ name, json, keyID, pem string }{
		{"object", base + `"publicKey":{"id":"https://x.example/u/a#main-key","owner":"https://x.example/u/a","publicKeyPem":"P"}}`, "https://x.example/u/a#main-key", "P"},
		{"list, owned one chosen", base + `"publicKey":[{"id":"https://y.example/k","owner":"https://y.example/u","publicKeyPem":"Q"},{"id":"https://x.example/u/a#k2","owner":"https://x.example/u/a","publicKeyPem":"P"}]}`, "https://x.example/u/a#k2", "P"},
		{"IRI", base + `"publicKey":"https://x.example/u/a#main-key"}`, "https://x.example/u/a#main-key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseActor(context.Background(), []byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if a.PublicKeyID != tt.keyID || a.PublicKeyPEM != tt.pem {
				t.Errorf("key = %q %q", a.PublicKeyID, a.PublicKeyPEM)
			}
		})
	}
}
