package federation_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

var ada = community.Staff{ID: "staff-1", Name: "ada"}

const wait = webtest.Wait // an outer limit for a broken test, see webtest.Wait

func fetchJSON(t *testing.T, n *webtest.Node, iri string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, iri, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := n.Net.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	_ = json.Unmarshal(body, &doc)
	return resp.StatusCode, doc
}

func TestComposerPublishEditPinDelete(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		follow(t, n, masto.NewActor("alice"), group)

		if _, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "  "}, ada); err == nil {
			t.Error("empty post accepted")
		}
		p, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "Meet-up on **Saturday**", ContentWarning: "logistics"}, ada)
		if err != nil {
			t.Fatal(err)
		}
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == p.IRI }, wait)
		obj := d.Activity["object"].(map[string]any)
		if !strings.Contains(obj["content"].(string), "<strong>Saturday</strong>") || obj["summary"] != "logistics" ||
			obj["audience"] != group || !strings.Contains(string(d.Body), `"type":"Mention"`) {
			t.Errorf("published note: %s", d.Body)
		}
		if status, doc := fetchJSON(t, n, p.IRI); status != 200 || doc["type"] != "Note" {
			t.Errorf("GET post: %d %v", status, doc)
		}
		if _, doc := fetchJSON(t, n, group+"/outbox?page=true"); !strings.Contains(mustJSON(doc), p.IRI) {
			t.Errorf("outbox lacks the post: %v", doc)
		}

		secret, err := n.Fed.Community.Posting.PublishPost(ctx, g.Name, community.PostInput{Markdown: "members only", MembersOnly: true}, ada)
		if err != nil {
			t.Fatal(err)
		}
		d = masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == secret.IRI }, wait)
		if strings.Contains(string(d.Body), "#Public") {
			t.Errorf("members-only post addressed publicly: %s", d.Body)
		}
		if status, _ := fetchJSON(t, n, secret.IRI); status != 404 {
			t.Errorf("GET members-only post: %d, want 404", status)
		}
		if _, doc := fetchJSON(t, n, group+"/outbox?page=true"); strings.Contains(mustJSON(doc), secret.IRI) {
			t.Error("members-only post in the public outbox")
		}

		if err := n.Fed.Community.Posting.EditPost(ctx, p.ID, community.PostInput{Markdown: "Meet-up on **Sunday**"}, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Update" && d.ObjectID() == p.IRI && strings.Contains(string(d.Body), "Sunday")
		}, wait)

		if err := n.Fed.Community.Posting.SetPinned(ctx, p.ID, true, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Add" && d.ObjectID() == p.IRI }, wait)
		if _, doc := fetchJSON(t, n, group+"/featured"); !strings.Contains(mustJSON(doc), p.IRI) {
			t.Errorf("featured lacks the pinned post: %v", doc)
		}
		if err := n.Fed.Community.Posting.SetPinned(ctx, secret.ID, true, ada); err == nil {
			t.Error("a members-only post was pinned publicly")
		}
		if err := n.Fed.Community.Posting.SetPinned(ctx, p.ID, false, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Remove" && d.ObjectID() == p.IRI }, wait)

		if err := n.Fed.Community.Posting.DeleteOwnPost(ctx, p.ID, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Delete" && d.ObjectID() == p.IRI }, wait)
		if status, _ := fetchJSON(t, n, p.IRI); status != 404 {
			t.Errorf("GET deleted post: %d", status)
		}
		log, _ := storage.ListLog(ctx, n.DB, g.ID, 20)
		if len(log) < 6 || log[0].Action != "delete_post" || log[0].StaffName != "ada" {
			t.Errorf("moderation log: %+v", log)
		}
	})
}

func TestReviewQueueAndRemoval(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Group: func(g *storage.Group) { g.ReviewQueue = true }}, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		alice := masto.NewActor("alice")
		follow(t, n, alice, group)

		first := mention(t, n, alice, group)
		second := mention(t, n, alice, group)
		webtest.Eventually(t, "two posts held", func() bool {
			c, _ := storage.CountPosts(ctx, n.DB, g.ID, storage.PostPending)
			return c == 2
		})
		for _, d := range masto.Received() {
			if d.Type() == "Announce" {
				t.Fatal("a held post was announced")
			}
		}
		p1, _ := storage.PostByIRI(ctx, n.DB, g.ID, first)
		p2, _ := storage.PostByIRI(ctx, n.DB, g.ID, second)
		if err := n.Fed.Community.Posting.ApprovePost(ctx, p1.ID, ada); err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Posting.ApprovePost(ctx, p1.ID, ada); err == nil {
			t.Error("approved twice")
		}
		if err := n.Fed.Community.Posting.RejectPost(ctx, p2.ID, "off topic", ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == first }, wait)

		// Removing the approved post undoes the boost and announces a Delete.
		if err := n.Fed.Community.Moderation.RemovePost(ctx, p1.ID, "spoilers", ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			o, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Undo" && o != nil && fedtest.ObjectID(o) == first
		}, wait)
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			o, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Announce" && o != nil && o["type"] == "Delete"
		}, wait)
		for _, d := range masto.Received() {
			if d.Type() == "Announce" && d.ObjectID() == second {
				t.Error("the rejected post was announced")
			}
		}
		log, _ := storage.ListLog(ctx, n.DB, g.ID, 10)
		if len(log) != 3 || log[0].Action != "remove_post" || log[0].Reason != "spoilers" || log[1].Action != "reject_post" {
			t.Errorf("log: %+v", log)
		}
	})
}

func TestBanAndDomainBlock(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		spam := n.Net.NewInstance("spam.test", fedtest.Mastodon)
		troll, alice := masto.NewActor("troll"), masto.NewActor("alice")
		spammer := spam.NewActor("bot")
		follow(t, n, troll, group)
		follow(t, n, alice, group)
		follow(t, n, spammer, group)

		if err := n.Fed.Community.Moderation.Ban(ctx, g.Name, troll.ID(), "harassment", ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Block" && d.ObjectID() == troll.ID() }, wait)
		if c, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); c != 2 {
			t.Errorf("members after ban = %d, want 2", c)
		}
		// A banned actor's follow is rejected and their posts dropped.
		f := troll.Follow(group)
		resp, _ := troll.Send(ctx, group, f)
		resp.Body.Close()
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Reject" && d.ObjectID() == f["id"] }, wait)
		post := troll.CreateNote(fedtest.Note{Content: "hi", Mentions: []fedtest.Mention{{Href: group}}})
		resp, _ = troll.Send(ctx, group, post)
		resp.Body.Close()
		if p := n.WaitProcessed(t, post["id"].(string)); p.Err != nil {
			t.Fatal(p.Err)
		}
		if c, _ := storage.CountPosts(ctx, n.DB, g.ID, storage.PostPublished); c != 0 {
			t.Error("a banned actor's post was published")
		}
		if err := n.Fed.Community.Moderation.Unban(ctx, g.Name, troll.ID(), ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			o, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Undo" && o != nil && o["type"] == "Block"
		}, wait)

		// Blocking spam.test removes its member and refuses its traffic.
		if err := n.Fed.Community.Moderation.BlockDomain(ctx, "spam.test", "spam", ada); err != nil {
			t.Fatal(err)
		}
		if c, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); c != 1 {
			t.Errorf("members after domain block = %d, want 1", c)
		}
		resp, err := spammer.Send(ctx, group, spammer.Follow(group))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("blocked server's POST: %d, want 403", resp.StatusCode)
		}
	})
}

func TestReportsAndGroupUpdate(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		other := n.Net.NewInstance("other.test", fedtest.Mastodon)
		alice, rude := masto.NewActor("alice"), other.NewActor("rude")
		follow(t, n, alice, group)
		follow(t, n, rude, group)
		postID := mention(t, n, rude, group)
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == postID }, wait)

		// Mastodon's report: from its instance actor, object [account, status].
		reporter := masto.InstanceActor()
		flag := map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams", "id": masto.URL("/flags/1"), "type": "Flag",
			"actor": reporter.ID(), "content": "Rude reply", "object": []string{rude.ID(), postID},
		}
		resp, err := reporter.Post(ctx, n.URL("/inbox"), flag)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("Flag: %d", resp.StatusCode)
		}
		n.WaitProcessed(t, masto.URL("/flags/1"))
		reports, _ := storage.ListReports(ctx, n.DB, storage.ReportOpen, []string{g.ID}, 10)
		if len(reports) != 1 || reports[0].TargetIRI != rude.ID() || reports[0].Reason != "Rude reply" || !strings.Contains(reports[0].ObjectIRIs, postID) {
			t.Fatalf("reports: %+v", reports)
		}
		if err := n.Fed.Community.Moderation.ForwardReport(ctx, reports[0].ID, ada); err != nil {
			t.Fatal(err)
		}
		other.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Flag" && strings.Contains(string(d.Body), postID) }, wait)
		if err := storage.ResolveReport(ctx, n.DB, time.Now(), reports[0].ID, "ada", "forwarded"); err != nil {
			t.Fatal(err)
		}

		g.Title = "Gardeners United"
		if err := n.Fed.Community.Moderation.UpdateGroup(ctx, g, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Update" && d.ObjectID() == group && strings.Contains(string(d.Body), "Gardeners United")
		}, wait)
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
