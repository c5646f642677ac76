package web_test

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/web/webtest"
)

// servedIRI is one IRI the node minted and how it must answer.
type servedIRI struct {
	kind   string
	iri    string
	by     *fedtest.Actor // fetches it, signed; nil: unsigned
	status int            // 0: 200
	ctype  string         // the media type a 200 answers with
	why    string         // why the status is not 200: deliberate
}

// Every kind of IRI the node mints (federation/iri.Builder) answers on a
// running node: with its content type and a document whose id is the IRI,
// or with the status listed here and the reason it is deliberate.
func TestEveryIRIServed(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g := s.Node, s.Group.Name
		b := n.Fed.IRI
		alice := s.Alice()
		s.Join(t, alice)
		staff := community.Staff{Name: "ada"}

		public, err := n.Fed.Community.Posting.PublishPost(ctx, g, community.PostInput{Markdown: "Seed swap on Sunday"}, staff)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := n.Fed.Community.Posting.PublishPost(ctx, g, community.PostInput{Markdown: "The shed code is 1234", MembersOnly: true}, staff)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
		event, err := n.Fed.Community.Events.PublishEvent(ctx, g, community.EventInput{Title: "Seed swap", Description: "Bring seeds",
			Start: start, End: start.Add(2 * time.Hour), PlaceName: "The shed"}, staff)
		if err != nil {
			t.Fatal(err)
		}
		poll, err := n.Fed.Community.Posting.PublishPoll(ctx, g, community.PollInput{Question: "Tomatoes or beans?",
			Options: []string{"Tomatoes", "Beans"}, Closes: time.Now().Add(24 * time.Hour)}, staff)
		if err != nil {
			t.Fatal(err)
		}

		// A member's post: the group announces it in both shapes, and
		// undoes the plain boost when the member deletes the post.
		note := alice.CreateNote(fedtest.Note{Content: "Seedlings!", Mentions: []fedtest.Mention{mention(n, g)}})
		s.Send(t, alice, note)
		noteID := fedtest.ObjectID(note)
		announceCreate := s.Masto.WaitFor(t, announced("Create", noteID), webtest.Wait)
		boost := s.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == noteID }, webtest.Wait)
		s.Send(t, alice, alice.Delete(noteID))
		undo := s.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Undo" && d.ObjectID() == id(boost.Activity) }, webtest.Wait)

		// Banning bob sends him a Block, addressed to him alone.
		bob := s.Masto.NewActor("bob")
		s.Join(t, bob)
		if err := n.Fed.Community.Moderation.Ban(ctx, g, bob.ID(), "spam", staff); err != nil {
			t.Fatal(err)
		}
		block := s.Masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Block" && d.ObjectID() == bob.ID() }, webtest.Wait)

		const ap = vocab.ContentType
		iris := []servedIRI{
			{kind: "instance actor", iri: b.InstanceActor(), ctype: ap},
			{kind: "instance key", iri: b.InstanceKey(), ctype: ap},
			{kind: "instance outbox", iri: b.InstanceOutbox(), ctype: ap},
			{kind: "shared inbox", iri: b.SharedInbox(), status: http.StatusMethodNotAllowed, why: "an inbox takes POSTs only"},
			{kind: "group", iri: b.Group(g), ctype: ap},
			{kind: "group key", iri: b.GroupKey(g), ctype: ap},
			{kind: "group inbox", iri: b.GroupInbox(g), status: http.StatusMethodNotAllowed, why: "an inbox takes POSTs only"},
			{kind: "outbox", iri: b.GroupOutbox(g), ctype: ap},
			{kind: "outbox page", iri: b.GroupOutbox(g) + "?page=true", ctype: ap},
			{kind: "followers", iri: b.GroupFollowers(g), ctype: ap},
			{kind: "following", iri: b.GroupFollowing(g), ctype: ap},
			{kind: "featured", iri: b.GroupFeatured(g), ctype: ap},
			{kind: "moderators", iri: b.GroupModerators(g), ctype: ap},
			{kind: "post", iri: public.IRI, ctype: ap},
			{kind: "post activity (Create)", iri: b.PostActivity(g, public.ID), ctype: ap},
			{kind: "members-only post, to a member", iri: secret.IRI, by: alice, ctype: ap},
			{kind: "members-only post activity, to a member", iri: b.PostActivity(g, secret.ID), by: alice, ctype: ap},
			{kind: "members-only post, unsigned", iri: secret.IRI, status: http.StatusNotFound, why: "to anyone but a member or a member's server it does not exist"},
			{kind: "members-only post activity, unsigned", iri: b.PostActivity(g, secret.ID), status: http.StatusNotFound, why: "the post's own read rules"},
			{kind: "event", iri: b.Post(g, event.PostID), ctype: ap},
			{kind: "event activity (Create)", iri: b.PostActivity(g, event.PostID), ctype: ap},
			{kind: "poll", iri: poll.IRI, ctype: ap},
			{kind: "poll activity (Create)", iri: b.PostActivity(g, poll.ID), ctype: ap},
			{kind: "boost (Announce)", iri: id(boost.Activity), ctype: ap},
			{kind: "Undo of a boost", iri: id(undo.Activity), ctype: ap},
			{kind: "Announce{Create} of a member's post", iri: id(announceCreate.Activity), by: alice, status: http.StatusNotFound,
				why: "it embeds the member's own activity, which may be members-only; it is stored as not public"},
			{kind: "activity to one actor (Block)", iri: id(block.Activity), by: bob, status: http.StatusNotFound,
				why: "addressed to the banned actor alone, not public"},
			{kind: "WebFinger of the group", iri: n.URL("/.well-known/webfinger?resource=" + b.Acct(g)), ctype: "application/jrd+json"},
		}
		for _, c := range iris {
			t.Run(c.kind, func(t *testing.T) {
				want := c.status
				if want == 0 {
					want = http.StatusOK
				} else if c.why == "" {
					t.Fatalf("%s: status %d is listed without a reason", c.iri, want)
				}
				status, ctype, body := fetchIRI(ctx, t, n, c.by, c.iri)
				if status != want {
					t.Fatalf("GET %s: %d, want %d (%s): %.200s", c.iri, status, want, c.why, body)
				}
				if status != http.StatusOK {
					return
				}
				if mt, _, err := mime.ParseMediaType(ctype); err != nil || mt != c.ctype {
					t.Errorf("GET %s: Content-Type %q, want %s", c.iri, ctype, c.ctype)
				}
				if c.ctype != ap {
					return
				}
				var doc struct {
					ID        string `json:"id"`
					PublicKey struct {
						ID string `json:"id"`
					} `json:"publicKey"`
				}
				if err := json.Unmarshal(body, &doc); err != nil {
					t.Fatalf("GET %s: %v: %.200s", c.iri, err, body)
				}
				if got := doc.ID; got != c.iri && doc.PublicKey.ID != c.iri {
					t.Errorf("GET %s: a document with id %q (key %q)", c.iri, got, doc.PublicKey.ID)
				}
			})
		}
	})
}

// fetchIRI GETs iri asking for ActivityStreams, signed by `by` (nil:
// unsigned), and returns the status, the Content-Type and the body.
func fetchIRI(ctx context.Context, t *testing.T, n *webtest.Node, by *fedtest.Actor, iri string) (int, string, []byte) {
	t.Helper()
	var resp *http.Response
	var err error
	if by != nil {
		resp, err = by.Fetch(ctx, iri)
	} else {
		req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, iri, nil)
		if rerr != nil {
			t.Fatal(rerr)
		}
		req.Header.Set("Accept", strings.Join([]string{vocab.ContentType, vocab.LDContentType}, ", "))
		resp, err = n.Net.HTTPClient().Do(req)
	}
	if err != nil {
		t.Fatalf("GET %s: %v", iri, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", iri, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}
