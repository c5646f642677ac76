package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/inbox"
	"github.com/kith-social/kith/federation/mailer"
	"github.com/kith-social/kith/federation/mailer/smtptest"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// send posts an activity to the group and waits until it was processed.
func send(t *testing.T, n *webtest.Node, a *fedtest.Actor, group string, act map[string]any) inbox.Processed {
	t.Helper()
	resp, err := a.Send(context.Background(), group, act)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d", act["type"], resp.StatusCode)
	}
	return n.WaitProcessed(t, act["id"].(string))
}

// counts reads a Question's option counts ("name=votes") and votersCount.
func counts(q map[string]any) (map[string]float64, float64) {
	out := map[string]float64{}
	opts, _ := q["oneOf"].([]any)
	if any, ok := q["anyOf"].([]any); ok {
		opts = any
	}
	for _, o := range opts {
		m, _ := o.(map[string]any)
		replies, _ := m["replies"].(map[string]any)
		n, _ := replies["totalItems"].(float64)
		out[fmt.Sprint(m["name"])] = n
	}
	voters, _ := q["votersCount"].(float64)
	return out, voters
}

func questionOf(d fedtest.Delivery, iri string) map[string]any {
	o, _ := d.Activity["object"].(map[string]any)
	if o == nil || o["type"] != "Question" || o["id"] != iri {
		return nil
	}
	return o
}

// Two Mastodon members and a Misskey member vote; repeated and second
// votes count once; the counts federate in a coalesced Update, and the
// closing Update carries `closed`; a vote after closing is dropped. Time
// is the node's clock, which the test moves: the votes fall in one update
// window, whose job the test runs, then past the poll's end, where it runs
// the closing job.
func TestPollVotingAndClosing(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			clk := webtest.NewClock(time.Now()) // one per node: the test moves it
			s := webtest.NewScenario(t, b, webtest.ScenarioOptions{Options: webtest.Options{Now: clk.Now,
				Engagement: community.EngagementConfig{PollUpdateWindow: time.Hour}}})
			ctx := context.Background()
			n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
			misskey := n.Net.NewInstance("misskey.test", fedtest.Misskey)
			alice, bob, carol := s.Alice(), masto.NewActor("bob"), misskey.NewActor("carol")
			for _, a := range []*fedtest.Actor{alice, bob, carol} {
				follow(t, n, a, group)
			}

			bad := []community.PollInput{
				{Question: "?", Options: []string{"only"}, Closes: clk.Now().Add(time.Hour)},
				{Question: "?", Options: []string{"a", "A"}, Closes: clk.Now().Add(time.Hour)},
				{Question: "?", Options: []string{"a", "b"}, Closes: clk.Now().Add(-time.Hour)},
				{Question: "?", Options: []string{"a", "b"}, Closes: clk.Now().Add(31 * 24 * time.Hour)},
				{Question: "?", Options: []string{"a", strings.Repeat("b", 101)}, Closes: clk.Now().Add(time.Hour)},
			}
			for i, in := range bad {
				if _, err := n.Fed.Community.Posting.PublishPoll(ctx, g.Name, in, ada); err == nil {
					t.Errorf("bad poll %d accepted", i)
				}
			}
			closes := clk.Now().Add(3 * time.Hour)
			p, err := n.Fed.Community.Posting.PublishPoll(ctx, g.Name, community.PollInput{
				Question: "What do we **plant**?", Options: []string{"Tomatoes", "Beans", "Squash"}, Closes: closes,
			}, ada)
			if err != nil {
				t.Fatal(err)
			}
			d := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && questionOf(d, p.IRI) != nil }, wait)
			q := questionOf(d, p.IRI)
			if c, voters := counts(q); len(c) != 3 || voters != 0 || q["endTime"] == nil || q["closed"] != nil ||
				!strings.Contains(string(d.Body), `"votersCount":"toot:votersCount"`) || q["audience"] != group {
				t.Errorf("published Question: %s", d.Body)
			}

			for _, v := range []struct {
				actor   *fedtest.Actor
				option  string
				counted bool
			}{
				{alice, "Tomatoes", true},
				{bob, "Beans", true},
				{alice, "Tomatoes", false}, // the same vote again
				{alice, "Beans", false},    // a second choice in a single-choice poll
				{carol, "Squash", true},
				{carol, "Cabbage", false}, // no such option
			} {
				got := send(t, n, v.actor, group, v.actor.Vote(p.IRI, group, v.option))
				if got.Err != nil || (got.Dropped == "") != v.counted {
					t.Errorf("%s votes %s: %+v, want counted=%v", v.actor.Username(), v.option, got, v.counted)
				}
			}
			runScheduledNow(ctx, t, n.Fed.Queue, "poll_update") // the window's end
			masto.WaitFor(t, func(d fedtest.Delivery) bool {
				q := questionOf(d, p.IRI)
				c, voters := counts(q)
				return d.Type() == "Update" && q != nil && voters == 3 && c["Tomatoes"] == 1 && c["Beans"] == 1 && c["Squash"] == 1
			}, wait)
			clk.Advance(3*time.Hour + time.Second)
			runScheduledNow(ctx, t, n.Fed.Queue, "poll_close")
			closing := masto.WaitFor(t, func(d fedtest.Delivery) bool {
				q := questionOf(d, p.IRI)
				return d.Type() == "Update" && q != nil && q["closed"] != nil
			}, wait)
			if c, voters := counts(questionOf(closing, p.IRI)); voters != 3 || c["Tomatoes"] != 1 {
				t.Errorf("closing Update: %s", closing.Body)
			}
			updates := 0
			for _, d := range masto.Received() {
				if d.Type() == "Update" && questionOf(d, p.IRI) != nil {
					updates++
				}
			}
			if updates != 2 { // the votes' window, and the closing one
				t.Errorf("%d Updates for a burst of votes and the closing, want 2", updates)
			}
			if got := send(t, n, bob, group, bob.Vote(p.IRI, group, "Squash")); got.Dropped == "" || !strings.Contains(got.Dropped, "closed") {
				t.Errorf("vote after closing: %+v", got)
			}
			poll, err := storage.PollByPost(ctx, n.DB, p.ID)
			if err != nil || poll.ClosedAt.IsZero() || poll.VotersCount != 3 {
				t.Errorf("stored poll: %+v, %v", poll, err)
			}
			if status, doc := fetchJSON(t, n, p.IRI); status != 200 || doc["closed"] == nil {
				t.Errorf("GET Question after closing: %d %v", status, doc)
			}
		})
	}
}

// runScheduledNow makes the queue's scheduled jobs of kind run now instead
// of at their wall-clock time: their time has come for the node's clock,
// or the test says so.
func runScheduledNow(ctx context.Context, t *testing.T, q *queue.Queue, kind string) {
	t.Helper()
	jobs, err := q.Client().JobList(ctx, river.NewJobListParams().Kinds(kind).States(rivertype.JobStateScheduled))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Jobs) == 0 {
		t.Fatalf("no scheduled %s job", kind)
	}
	for _, j := range jobs.Jobs {
		if _, err := q.Client().JobRetry(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// A member posts; staff answer as the group (the reply reaches the
// member's server and the mentioned non-member's, in the thread, signed),
// like and boost the member's posts once.
func TestReplyLikeBoostAsGroup(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		gts := n.Net.NewInstance("gts.test", fedtest.GoToSocial)
		alice, carol := masto.NewActor("alice"), gts.NewActor("carol")
		follow(t, n, alice, group)

		note := alice.CreateNote(fedtest.Note{Content: "Who has seeds?", Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}, fedtest.MentionOf(carol)}})
		if got := send(t, n, alice, group, note); got.Err != nil || got.Dropped != "" {
			t.Fatalf("member post: %+v", got)
		}
		postIRI := fedtest.ObjectID(note)
		parent, err := storage.PostByIRI(ctx, n.DB, g.ID, postIRI)
		if err != nil {
			t.Fatal(err)
		}
		reply, err := n.Fed.Community.Posting.ReplyAsGroup(ctx, parent.ID, community.PostInput{Markdown: "We do, come by!"}, ada, true)
		if err != nil {
			t.Fatal(err)
		}
		isReply := func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectID() == reply.IRI }
		d := masto.WaitFor(t, isReply, wait)
		obj := d.Activity["object"].(map[string]any)
		body := string(d.Body)
		if obj["inReplyTo"] != postIRI || !strings.Contains(fmt.Sprint(obj["content"]), "— ada") ||
			!strings.Contains(body, alice.ID()) || !strings.Contains(body, carol.ID()) || obj["audience"] != group ||
			!slices.Contains(asStrings(obj["to"]), fedtest.Public) || !slices.Contains(asStrings(obj["cc"]), alice.ID()) {
			t.Errorf("reply as the group: %s", body)
		}
		for _, want := range []string{alice.ID(), carol.ID(), group} {
			if !strings.Contains(mustJSON(obj["tag"]), `"href":"`+want+`"`) {
				t.Errorf("reply lacks a Mention of %s: %v", want, obj["tag"])
			}
		}
		gts.WaitFor(t, isReply, wait) // the mentioned non-member's server
		stored, _ := storage.PostByID(ctx, n.DB, reply.ID)
		if stored.ParentID != parent.ID || stored.RootID != parent.RootID || stored.AuthorID != "" {
			t.Errorf("reply not in the thread: %+v", stored)
		}

		for range 2 {
			if err := n.Fed.Community.Posting.LikeAsGroup(ctx, parent.ID, ada); err != nil {
				t.Fatal(err)
			}
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Like" && d.ObjectID() == postIRI }, wait)
		if c := countOutbox(t, n, "Like", postIRI); c != 1 {
			t.Errorf("%d Likes sent, want 1", c)
		}
		// Thread starters are boosted already; a reply is boosted on request.
		if err := n.Fed.Community.Posting.BoostAsGroup(ctx, parent.ID, ada); err != nil {
			t.Fatal(err)
		}
		if c := countOutbox(t, n, "Announce", postIRI); c != 2 { // Announce{Create} and the boost
			t.Errorf("%d Announces of the starter, want 2", c)
		}
		answer := alice.CreateNote(fedtest.Note{Content: "Thanks!", InReplyTo: reply.IRI, Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
		send(t, n, alice, group, answer)
		answerPost, err := storage.PostByIRI(ctx, n.DB, g.ID, fedtest.ObjectID(answer))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Posting.BoostAsGroup(ctx, answerPost.ID, ada); err != nil {
			t.Fatal(err)
		}
		masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == answerPost.IRI }, wait)
		if err := n.Fed.Community.Posting.BoostAsGroup(ctx, reply.ID, ada); err == nil {
			t.Error("the group boosted its own post")
		}
	})
}

func asStrings(v any) []string {
	var out []string
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

func countOutbox(t *testing.T, n *webtest.Node, typ, object string) int {
	t.Helper()
	c, err := n.DB.NewSelect().Model((*storage.OutboxActivity)(nil)).Where("type = ? AND object_iri = ?", typ, object).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(c)
}

// A scheduled post is published by its durable job even when the engine
// that scheduled it stopped before its time and another one started on
// the same database; a cancelled one never is.
func TestScheduledPostSurvivesRestart(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		follow(t, n, s.Alice(), group)

		if _, err := n.Fed.Community.Posting.SchedulePost(ctx, g.Name, community.PostInput{Markdown: "past"}, time.Now().Add(-time.Minute), ada); err == nil {
			t.Error("a post scheduled in the past was accepted")
		}
		id, err := n.Fed.Community.Posting.SchedulePost(ctx, g.Name, community.PostInput{Markdown: "Scheduled *hello*"}, time.Now().Add(time.Hour), ada)
		if err != nil {
			t.Fatal(err)
		}
		cancelled, err := n.Fed.Community.Posting.SchedulePoll(ctx, g.Name, community.PollInput{Question: "?", Options: []string{"a", "b"}, Closes: time.Now().Add(2 * time.Hour)}, time.Now().Add(time.Hour), ada)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Fed.Community.Posting.CancelScheduled(ctx, g.Name, cancelled, ada); err != nil {
			t.Fatal(err)
		}
		if list, err := n.Fed.Community.Posting.ListScheduled(ctx, g.Name); err != nil || len(list) != 1 || list[0].ID != id {
			t.Fatalf("scheduled = %+v, %v", list, err)
		}
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := n.Fed.Stop(stopCtx); err != nil {
			t.Fatal(err)
		}
		if sp, _ := storage.ScheduledPostByID(ctx, n.DB, id); sp.State != storage.ScheduledWaiting {
			t.Fatalf("published before the restart: %+v", sp)
		}
		// A new process on the same database.
		fed, err := federation.New(ctx, n.DB, federation.Config{
			Scheme: "http", Domain: webtest.Host,
			Transport: transport.Config{InsecureHTTP: true, AllowPrivateNetworks: true,
				DialContext: n.Net.DialContext, RootCAs: n.Net.RootCAs(), Timeout: 5 * time.Second},
			Work: true, PollInterval: 50 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := fed.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = fed.Stop(ctx)
		})
		// Its time has come: the new process runs the job now.
		runScheduledNow(ctx, t, fed.Queue, "scheduled_post")
		d := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			return d.Type() == "Create" && strings.Contains(string(d.Body), "Scheduled <em>hello</em>")
		}, wait)
		sp, _ := storage.ScheduledPostByID(ctx, n.DB, id)
		if sp.State != storage.ScheduledPublished || sp.PostID == "" || !strings.HasSuffix(d.ObjectID(), "/posts/"+sp.PostID) {
			t.Errorf("scheduled post after publication: %+v", sp)
		}
	})
}

// Each event notifies the group's staff; an owner who chose immediate
// e-mail gets it through SMTP.
func TestStaffNotificationsAndMail(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			sink := smtptest.Start(t)
			m, err := mailer.New(sink.URL(), "Kith <kith@kith.test>")
			if err != nil {
				t.Fatal(err)
			}
			n := webtest.Start(t, b, webtest.Options{Engagement: community.EngagementConfig{Mailer: m, MailInterval: time.Second}})
			owner := &storage.Staff{Username: "ada", PasswordHash: "h", Role: storage.RoleOwner}
			if err := storage.CreateStaff(ctx, n.DB, time.Now(), owner); err != nil {
				t.Fatal(err)
			}
			if err := storage.SetNotificationEmail(ctx, n.DB, owner.ID, "ada@example.test"); err != nil {
				t.Fatal(err)
			}
			if err := storage.SetNotificationPref(ctx, n.DB, time.Now(), &storage.NotificationPref{StaffID: owner.ID, Kind: storage.NotifyNewMember, InApp: true, Email: storage.EmailImmediate}); err != nil {
				t.Fatal(err)
			}
			g := n.CreateGroup(t, "g", nil)
			closed := n.CreateGroup(t, "closed", func(g *storage.Group) { g.Closed = true; g.ReviewQueue = true })
			group, closedIRI := n.GroupIRI(g.Name), n.GroupIRI(closed.Name)
			masto := n.Net.NewInstance("mastodon.test", fedtest.Mastodon)
			alice, bob := masto.NewActor("alice"), masto.NewActor("bob")

			follow(t, n, alice, group)                                                                     // new_member
			send(t, n, alice, group, alice.Follow(group))                                                  // following again: not new
			send(t, n, bob, closedIRI, bob.Follow(closedIRI))                                              // follow_request
			if err := n.Fed.Community.Membership.DecideFollow(ctx, "closed", bob.ID(), true); err != nil { // new_member
				t.Fatal(err)
			}
			held := bob.CreateNote(fedtest.Note{Content: "held", Mentions: []fedtest.Mention{{Href: closedIRI}}})
			send(t, n, bob, closedIRI, held) // review
			mentioned := mention(t, n, alice, group)
			n.WaitProcessed(t, mentioned+"/activity") // mention
			own, err := n.Fed.Community.Posting.PublishPost(ctx, "g", community.PostInput{Markdown: "Welcome, all"}, ada)
			if err != nil {
				t.Fatal(err)
			}
			send(t, n, alice, group, alice.CreateNote(fedtest.Note{Content: "Thanks", InReplyTo: own.IRI, Mentions: []fedtest.Mention{{Href: group}}})) // reply
			flag := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": masto.URL("/flags/1"), "type": "Flag",
				"actor": masto.InstanceActor().ID(), "content": "spam", "object": []string{alice.ID(), mentioned}}
			resp, err := masto.InstanceActor().Post(ctx, n.URL("/inbox"), flag)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			n.WaitProcessed(t, masto.URL("/flags/1")) // report

			list, err := storage.ListNotifications(ctx, n.DB, owner, storage.NotificationFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, x := range list {
				got[x.Kind]++
			}
			want := map[string]int{storage.NotifyNewMember: 2, storage.NotifyFollowRequest: 1, storage.NotifyReview: 1,
				storage.NotifyMention: 1, storage.NotifyReply: 1, storage.NotifyReport: 1}
			for k, c := range want {
				if got[k] != c {
					t.Errorf("%s notifications = %d, want %d (all: %v)", k, got[k], c, got)
				}
			}
			// Bob's request was decided: its notification is dealt with.
			if c, _ := storage.CountUnreadNotifications(ctx, n.DB, owner); c != len(list)-1 {
				t.Errorf("unread = %d, want %d (all but the decided request)", c, len(list)-1)
			}

			for _, joined := range []string{"@alice@mastodon.test joined g", "@bob@mastodon.test joined closed"} {
				msg := sink.WaitFor(t, func(m smtptest.Message) bool {
					return slices.Contains(m.To, "ada@example.test") && strings.Contains(m.Body(), joined)
				}, wait)
				if msg.Auth != "kith" || !strings.Contains(msg.Header("From"), "kith@kith.test") || !strings.Contains(msg.Subject(), "Kith") {
					t.Errorf("mail: auth %q, from %q, subject %q", msg.Auth, msg.Header("From"), msg.Subject())
				}
			}
			for _, m := range sink.Messages() {
				if strings.Contains(m.Body(), "report") || strings.Contains(m.Body(), "asks to join") {
					t.Errorf("mailed a kind the owner did not choose: %q", m.Body())
				}
			}
			if err := storage.MarkAllNotificationsRead(ctx, n.DB, owner, time.Now()); err != nil {
				t.Fatal(err)
			}
			if c, _ := storage.CountUnreadNotifications(ctx, n.DB, owner); c != 0 {
				t.Errorf("unread after marking all = %d", c)
			}
		})
	}
}
