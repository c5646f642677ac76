package federation_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/inbox"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// sendNote sends a note from a to the group and waits until it is processed.
func sendNote(t *testing.T, n *webtest.Node, a *fedtest.Actor, group string, note fedtest.Note) (map[string]any, inbox.Processed) {
	t.Helper()
	if len(note.Mentions) == 0 {
		note.Mentions = []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}
	}
	act := a.CreateNote(note)
	resp, err := a.Send(context.Background(), group, act)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send: %d", resp.StatusCode)
	}
	return act, n.WaitProcessed(t, act["id"].(string))
}

// A followers-only post to the group reaches the members through the
// group, and only servers with a member can fetch it.
func TestMembersOnlyDiscussion(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, group, masto := s.Node, s.GroupIRI, s.Masto
		outsider := n.Net.NewInstance("outside.test", fedtest.Mastodon)
		alice, bob := masto.NewActor("alice"), masto.NewActor("bob")
		eve := outsider.NewActor("eve")
		follow(t, n, alice, group)
		follow(t, n, bob, group)

		_, p := sendNote(t, n, alice, group, fedtest.Note{Content: "Members: the key is under the mat", Visibility: fedtest.VisibilityFollowers})
		if p.Err != nil || p.Dropped != "" {
			t.Fatalf("processing: %v %q", p.Err, p.Dropped)
		}
		for _, d := range masto.Received() {
			t.Logf("received %s: %s", d.Type(), d.Body)
		}
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "under the mat")
		}, wait)
		if strings.Contains(string(d.Body), "#Public") || !strings.Contains(string(d.Body), "/followers") {
			t.Errorf("members-only post addressed beyond the members: %s", d.Body)
		}
		postIRI := d.ObjectID()
		// A server with a member can fetch it; one without cannot, signed or not.
		if resp, err := bob.Fetch(ctx, postIRI); err != nil || resp.StatusCode != 200 {
			t.Errorf("member server fetch: %v %v", resp.StatusCode, err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), "under the mat") {
				t.Errorf("member server got %s", body)
			}
		}
		if resp, err := eve.Fetch(ctx, postIRI); err != nil || resp.StatusCode != 404 {
			t.Errorf("non-member server fetch: %v, want 404", resp.StatusCode)
		}
		if status, _ := fetchJSON(t, n, postIRI); status != 404 {
			t.Errorf("unsigned fetch: %d, want 404", status)
		}
		if _, doc := fetchJSON(t, n, group+"/outbox?page=true"); strings.Contains(mustJSON(doc), "under the mat") {
			t.Error("members-only post in the public outbox")
		}
		for _, d := range masto.Received() {
			if d.Type() == "Announce" {
				t.Errorf("a members-only post was announced: %s", d.Body)
			}
		}
	})
}

func TestJoinQuestionsFeedbackAndProbation(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Group: func(g *storage.Group) {
		g.Closed, g.JoinQuestions, g.FeedbackDMs = true, "Which allotment is yours?", true
	}}, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		probation := storage.DefaultTrustSettings(g.ID) // as the migration maps "first post reviewed"
		probation.ReviewNewcomers, probation.MemberPosts = true, 1
		if err := storage.SaveTrustSettings(ctx, n.DB, time.Now(), probation); err != nil {
			t.Fatal(err)
		}
		alice := masto.NewActor("alice")
		f := alice.Follow(group)
		resp, _ := alice.Send(ctx, group, f)
		resp.Body.Close()
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "Which allotment is yours?")
		}, wait)
		// Her answer, a DM to the group, lands beside the request.
		sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " Plot 12, by the gate", Visibility: fedtest.VisibilityDirect})
		reqs, _ := storage.ListFollows(ctx, n.DB, g.ID, storage.FollowPending, 10, 0)
		if len(reqs) != 1 || !strings.Contains(reqs[0].JoinAnswer, "Plot 12") {
			t.Fatalf("request with answer: %+v", reqs)
		}
		if err := n.Fed.Community.Membership.DecideFollow(ctx, g.Name, alice.ID(), true); err != nil {
			t.Fatal(err)
		}
		// Probation: her first post is held, and she is told so.
		act, _ := sendNote(t, n, alice, group, fedtest.Note{Content: "First post!"})
		p, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act))
		if err != nil || p.State != storage.PostPending {
			t.Fatalf("first post: %+v %v", p, err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "waiting for a moderator")
		}, wait)
		if err := n.Fed.Community.Posting.ApprovePost(ctx, p.ID, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == p.IRI }, wait)
		// After probation, posts go straight through.
		act, _ = sendNote(t, n, alice, group, fedtest.Note{Content: "Second post"})
		if p, _ := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act)); p == nil || p.State != storage.PostPublished {
			t.Errorf("second post: %+v", p)
		}
	})
}

func TestModmailReportsAnonymous(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		alice, bob := masto.NewActor("alice"), masto.NewActor("bob")
		follow(t, n, alice, group)
		follow(t, n, bob, group)

		// Modmail: a DM that is no command.
		sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " Hi mods, can I host the next meet-up?", Visibility: fedtest.VisibilityDirect})
		convs, _ := storage.ListConversations(ctx, n.DB, g.ID, storage.ConversationOpen, 10)
		if len(convs) != 1 || convs[0].Actor.IRI != alice.ID() {
			t.Fatalf("conversations: %+v", convs)
		}
		if err := n.Fed.Community.Modmail.ReplyModmail(ctx, convs[0].ID, "Only mods see this", true, ada); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Modmail.ReplyModmail(ctx, convs[0].ID, "Yes, **please** do!", false, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "<strong>please</strong>")
		}, wait)
		for _, d := range masto.Received() {
			if strings.Contains(string(d.Body), "Only mods see this") {
				t.Error("an internal note was sent")
			}
		}
		msgs, _ := storage.Messages(ctx, n.DB, convs[0].ID)
		if len(msgs) != 3 || !msgs[0].Incoming || !msgs[1].Internal || msgs[2].StaffName != "ada" {
			t.Errorf("messages: %+v", msgs)
		}

		// Report by DM: a reply to the post with "report".
		post, _ := sendNote(t, n, bob, group, fedtest.Note{Content: "Something rude"})
		sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " report: rude to newcomers", Visibility: fedtest.VisibilityDirect, InReplyTo: fedtest.ObjectID(post)})
		reports, _ := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{g.ID}, 10)
		if len(reports) != 1 || reports[0].TargetIRI != bob.ID() || reports[0].Reason != "rude to newcomers" || reports[0].ReporterIRI != alice.ID() {
			t.Fatalf("reports: %+v", reports)
		}

		// Anonymous post: held, then published by the group without the author.
		sendNote(t, n, alice, group, fedtest.Note{Content: "@" + g.Name + " anon: I feel lonely at meet-ups", Visibility: fedtest.VisibilityDirect})
		reqs, _ := storage.ListAnonRequests(ctx, n.DB, g.ID, storage.AnonPending)
		if len(reqs) != 1 || reqs[0].Actor == nil || reqs[0].Actor.IRI != alice.ID() {
			t.Fatalf("anonymous requests: %+v", reqs)
		}
		p, err := n.Fed.Community.Moderation.DecideAnonymous(ctx, reqs[0].ID, true, "", ada)
		if err != nil {
			t.Fatal(err)
		}
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == p.IRI }, wait)
		if strings.Contains(string(d.Body), "alice") || !strings.Contains(string(d.Body), "lonely") {
			t.Errorf("anonymous post names its author or lost its text: %s", d.Body)
		}
		webtest.Eventually(t, "forget", func() bool {
			err := n.Fed.Community.Moderation.ForgetAnonymous(ctx, reqs[0].ID, ada)
			if err != nil && !errors.Is(err, storage.ErrBusy) {
				t.Fatal(err)
			}
			return err == nil
		})
		if r, _ := storage.AnonRequestByID(ctx, n.DB, reqs[0].ID); r.ActorID != "" || r.Actor != nil {
			t.Error("author link not purged")
		}
		// Non-members cannot post anonymously.
		carol := masto.NewActor("carol")
		sendNote(t, n, carol, group, fedtest.Note{Content: "@" + g.Name + " anon: spam", Visibility: fedtest.VisibilityDirect})
		if reqs, _ := storage.ListAnonRequests(ctx, n.DB, g.ID, storage.AnonPending); len(reqs) != 0 {
			t.Error("a non-member's anonymous request was kept")
		}
	})
}

func TestAntiSpamRules(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			n := webtest.Start(t, b, webtest.Options{})
			masto := n.Net.NewInstance("mastodon.test", fedtest.Mastodon)
			review := n.Net.NewInstance("review.test", fedtest.Mastodon)
			trusted := n.Net.NewInstance("trusted.test", fedtest.Mastodon)
			if err := storage.SetDomainTrust(ctx, n.DB, time.Now(), "review.test", storage.TrustReview); err != nil {
				t.Fatal(err)
			}
			if err := storage.SetDomainTrust(ctx, n.DB, time.Now(), "trusted.test", storage.TrustTrusted); err != nil {
				t.Fatal(err)
			}
			n.CreateGroup(t, "other", nil)
			for _, tc := range []struct {
				name    string
				group   func(*storage.Group)
				author  *fedtest.Actor
				note    fedtest.Note
				dropped bool
				state   string
			}{
				{"too many group mentions", func(g *storage.Group) { g.MaxGroupMentions = 1 }, masto.NewActor("a1"),
					fedtest.Note{Content: "spam", Mentions: []fedtest.Mention{{Href: n.GroupIRI("too_many_group_mentions")}, {Href: n.GroupIRI("other")}}}, true, ""},
				{"keyword", func(g *storage.Group) { g.ReviewKeywords = "crypto\ngiveaway" }, masto.NewActor("a2"),
					fedtest.Note{Content: "Free CRYPTO for all"}, false, storage.PostPending},
				{"young account", func(g *storage.Group) { g.MinAccountAgeDays = 7 }, masto.NewActor("a3"),
					fedtest.Note{Content: "hello"}, false, storage.PostPending},
				{"server under review", nil, review.NewActor("a4"), fedtest.Note{Content: "hello"}, false, storage.PostPending},
				{"trusted server skips keywords", func(g *storage.Group) { g.ReviewKeywords = "hello" }, trusted.NewActor("a5"),
					fedtest.Note{Content: "hello"}, false, storage.PostPublished},
			} {
				t.Run(tc.name, func(t *testing.T) {
					name := strings.ReplaceAll(tc.name, " ", "_")
					g := n.CreateGroup(t, name, tc.group)
					group := n.GroupIRI(name)
					follow(t, n, tc.author, group)
					if len(tc.note.Mentions) == 0 {
						tc.note.Mentions = []fedtest.Mention{{Href: group}}
					}
					act, p := sendNote(t, n, tc.author, group, tc.note)
					if (p.Dropped != "") != tc.dropped {
						t.Errorf("dropped = %q, want dropped %v", p.Dropped, tc.dropped)
					}
					got, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act))
					switch {
					case tc.state == "" && err == nil:
						t.Errorf("stored as %s", got.State)
					case tc.state != "" && (err != nil || got.State != tc.state):
						t.Errorf("state = %v (%v), want %s", got, err, tc.state)
					}
				})
			}
		})
	}
}

func TestWebReport(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group := s.Node, s.Group, s.GroupIRI
		bob := s.Masto.NewActor("bob")
		follow(t, n, bob, group)
		act, _ := sendNote(t, n, bob, group, fedtest.Note{Content: "rude"})
		p, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(act))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Moderation.SubmitWebReport(ctx, g.Name, p.ID, " ", ""); err == nil {
			t.Error("empty reason accepted")
		}
		if err := n.Fed.Community.Moderation.SubmitWebReport(ctx, g.Name, "nope", "bad", ""); err == nil {
			t.Error("unknown post accepted")
		}
		if err := n.Fed.Community.Moderation.SubmitWebReport(ctx, g.Name, p.ID, "Insulting", "visitor@example.org"); err != nil {
			t.Fatal(err)
		}
		reports, _ := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{g.ID}, 10)
		if len(reports) != 1 || reports[0].TargetIRI != bob.ID() || reports[0].Reason != "Insulting" {
			t.Errorf("reports: %+v", reports)
		}
	})
}
