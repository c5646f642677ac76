package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/webtest"
)

func TestThreadReplyLikeBoost(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		n.group("knitters")
		masto := sc.Masto
		alice := n.member(masto, "alice", "gardeners")
		post := n.memberPost(alice, "gardeners", "Who has spare rhubarb crowns?")
		masto.WaitFor(t, delivered("Announce", post.IRI), wait)
		base := "/admin/groups/gardeners/threads/" + post.ID

		wantBody(t, "member posts", owner.get("/admin/groups/gardeners/recent"), `href="`+base+`"`)
		res := owner.get(base)
		wantStatus(t, "thread", res, http.StatusOK)
		wantBody(t, "thread", res, "Who has spare rhubarb crowns?", "Your reply answers this post", base+"/like", base+"/boost", `name="signed"`)

		res = owner.post(base+"/reply", url.Values{"csrf": {csrf}, "body": {" "}, "cw": {"garden talk"}, "signed": {"on"}})
		wantStatus(t, "empty reply", res, http.StatusUnprocessableEntity)
		wantBody(t, "empty reply", res, `id="f-body-error"`, `value="garden talk"`, `name="signed" checked`)

		res = owner.post(base+"/reply", url.Values{"csrf": {csrf}, "body": {"I have *three*, come by plot 4."}, "signed": {"on"}})
		if res.status != http.StatusSeeOther || res.location != base+"?done=answered" {
			t.Fatalf("reply: %d %q\n%s", res.status, res.location, res.body)
		}
		reply := masto.WaitFor(t, func(d fedtest.Delivery) bool {
			obj, _ := d.Activity["object"].(map[string]any)
			return d.Type() == "Create" && obj != nil && obj["inReplyTo"] == post.IRI
		}, wait)
		if body := string(reply.Body); !strings.Contains(body, "<em>three</em>") || !strings.Contains(body, "— olive") || !strings.Contains(body, alice.ID()) {
			t.Errorf("reply = %s", body)
		}
		res = owner.get(base + "?done=answered")
		wantBody(t, "thread with the reply", res, "come by plot 4", "(the group)", "depth-1")

		wantStatus(t, "like", owner.post(base+"/like", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		masto.WaitFor(t, delivered("Like", post.IRI), wait)
		wantStatus(t, "like twice", owner.post(base+"/like", url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		res = owner.post(base+"/boost", url.Values{"csrf": {csrf}})
		if res.status != http.StatusSeeOther || res.location != base+"?done=boosted" {
			t.Errorf("boost: %d %q", res.status, res.location)
		}
		// The group's own reply cannot be liked: the engine says why.
		own, err := storage.ListGroupPosts(ctx, db, g.ID, storage.PostPublished, true, 10)
		if err != nil || len(own) != 1 {
			t.Fatalf("group posts = %d, %v", len(own), err)
		}
		res = owner.post("/admin/groups/gardeners/threads/"+own[0].ID+"/like", url.Values{"csrf": {csrf}})
		wantStatus(t, "like own post", res, http.StatusUnprocessableEntity)
		wantBody(t, "like own post", res, "This is the group&#39;s own post")
		wantStatus(t, "through another group", owner.get("/admin/groups/knitters/threads/"+post.ID), http.StatusNotFound)
		wantBody(t, "log", owner.get("/admin/groups/gardeners/log"), "replied as the group", "liked as the group")
	})
}

func TestPolls(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		n := newNode(t, sc)
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		masto := sc.Masto
		n.member(masto, "alice", "gardeners")

		res := owner.get("/admin/groups/gardeners/polls/new")
		wantStatus(t, "poll form", res, http.StatusOK)
		wantBody(t, "poll form", res, `id="f-option-9"`, `name="choice" value="single" checked`, `<option value="UTC" selected>UTC</option>`,
			`<option value="Asia/Kolkata">Asia/Kolkata (UTC&#43;05:30 now)</option>`, `id="f-closes"`, `id="f-publish_at"`)

		now := time.Now().UTC()
		local := func(d time.Duration) string { return now.Add(d).Format("2006-01-02T15:04") }
		valid := func() url.Values {
			return url.Values{"csrf": {csrf}, "question": {"Which *day* for the seed swap?"}, "option-0": {"Saturday"}, "option-1": {"Sunday"},
				"choice": {"single"}, "audience": {"public"}, "closes": {local(48 * time.Hour)}, "tz": {"UTC"}}
		}
		for _, tc := range []struct {
			name, field, msg string
			change           url.Values
		}{
			{"no question", "question", "Write the question", url.Values{"question": {" "}}},
			{"one option", "option-1", "Give at least 2 options", url.Values{"option-1": {""}}},
			{"same option twice", "option-2", "appears twice", url.Values{"option-2": {"saturday"}}},
			{"long option", "option-0", "Keep options to 100", url.Values{"option-0": {strings.Repeat("o", 101)}}},
			{"closed already", "closes", "Voting must end after", url.Values{"closes": {local(-time.Hour)}}},
			{"too long", "closes", "at most 30 days", url.Values{"closes": {local(31 * 24 * time.Hour)}}},
			{"not a time", "closes", "Give a date and time", url.Values{"closes": {"next tuesday"}}},
			{"no end", "closes", "Choose when voting ends", url.Values{"closes": {""}}},
			{"unknown zone", "tz", "Choose a time zone", url.Values{"tz": {"Mars/Olympus"}}},
			{"publish in the past", "publish_at", "Choose a time in the future", url.Values{"publish_at": {local(-2 * time.Hour)}}},
			{"closes before publishing", "closes", "Voting must end after", url.Values{"publish_at": {local(72 * time.Hour)}}},
			{"unknown choice", "choice", "one answer or several", url.Values{"choice": {"ranked"}}},
			{"unknown audience", "audience", "Choose who sees the poll", url.Values{"audience": {"friends"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := valid()
				for k, v := range tc.change {
					f[k] = v
				}
				res := owner.post("/admin/groups/gardeners/polls/new", f)
				wantStatus(t, "invalid poll", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid poll", res, `id="f-`+tc.field+`-error"`, tc.msg)
				if tc.field != "question" {
					wantBody(t, "typed values kept", res, "Which *day* for the seed swap?</textarea>")
				}
				if tc.field != "option-0" {
					wantBody(t, "typed values kept", res, `value="Saturday"`)
				}
			})
		}

		// A poll reaches the members as a Question; the posts list shows its counts.
		f := valid()
		f.Set("option-4", "Either") // gaps between options are fine
		f.Set("choice", "multiple")
		res = owner.post("/admin/groups/gardeners/polls/new", f)
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/posts?done=poll" {
			t.Fatalf("publish poll: %d %q\n%s", res.status, res.location, res.body)
		}
		q := masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Create" && d.ObjectType() == "Question" }, wait)
		if body := string(q.Body); !strings.Contains(body, "anyOf") || !strings.Contains(body, "Either") {
			t.Errorf("Question = %s", body)
		}
		res = owner.get("/admin/groups/gardeners/posts")
		wantBody(t, "posts with the poll", res, "<strong>Poll</strong>", "several answers allowed", `<th scope="row">Saturday</th><td class="num">0</td>`,
			`<th scope="row">Either</th>`, "closes ")
		if strings.Contains(res.body, "/edit\">Edit</a>") {
			t.Error("a poll offers the post editor")
		}

		// Scheduled: a poll and a post from the composer, in a named zone
		// (its offset then is whatever daylight saving makes it).
		at := now.Add(50 * time.Hour).Truncate(time.Minute)
		plus2, err := time.LoadLocation("Africa/Cairo")
		if err != nil {
			t.Fatal(err)
		}
		f = valid()
		f.Set("tz", "Africa/Cairo")
		f.Set("publish_at", at.In(plus2).Format("2006-01-02T15:04"))
		f.Set("closes", at.Add(24*time.Hour).In(plus2).Format("2006-01-02T15:04"))
		res = owner.post("/admin/groups/gardeners/polls/new", f)
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/scheduled?done=scheduled" {
			t.Fatalf("schedule poll: %d %q\n%s", res.status, res.location, res.body)
		}
		res = owner.postMultipart("/admin/groups/gardeners/posts/new", url.Values{"csrf": {csrf}, "body": {"Reminder: swap tomorrow"},
			"audience": {"members"}, "tz": {"UTC"}, "publish_at": {at.Add(time.Hour).Format("2006-01-02T15:04")}})
		if res.status != http.StatusSeeOther || res.location != "/admin/groups/gardeners/scheduled?done=scheduled" {
			t.Fatalf("schedule post: %d %q\n%s", res.status, res.location, res.body)
		}
		res = owner.postMultipart("/admin/groups/gardeners/posts/new", url.Values{"csrf": {csrf}, "body": {"Too late"},
			"audience": {"public"}, "tz": {"UTC"}, "publish_at": {local(-time.Hour)}})
		wantStatus(t, "schedule in the past", res, http.StatusUnprocessableEntity)
		wantBody(t, "schedule in the past", res, `id="f-publish_at-error"`, "Too late</textarea>")

		items, err := n.fed.Fed.Community.Posting.ListScheduled(context.Background(), "gardeners")
		if err != nil || len(items) != 2 {
			t.Fatalf("scheduled = %d, %v", len(items), err)
		}
		if !items[0].RunAt.Equal(at) || items[0].Kind != storage.ScheduledKindPoll {
			t.Errorf("the poll runs at %s (%s), want %s", items[0].RunAt, items[0].Kind, at)
		}
		in, _ := community.DecodeScheduled(&items[0])
		if p, ok := in.(community.PollInput); !ok || !p.Closes.Equal(at.Add(24*time.Hour)) {
			t.Errorf("scheduled poll input = %+v", in)
		}
		res = owner.get("/admin/groups/gardeners/scheduled?done=scheduled")
		wantBody(t, "scheduled", res, "Scheduled. It is published", "<strong>Poll</strong>", "Which *day* for the seed swap?", "<strong>Post</strong>",
			"Reminder: swap tomorrow", "Members only", "scheduled by olive")
		cancel := "/admin/groups/gardeners/scheduled/" + items[1].ID + "/cancel"
		if res := owner.post(cancel, url.Values{"csrf": {csrf}}); res.location != "/admin/groups/gardeners/scheduled?done=cancelled" {
			t.Errorf("cancel: %d %q", res.status, res.location)
		}
		if res := owner.post(cancel, url.Values{"csrf": {csrf}}); res.location != "/admin/groups/gardeners/scheduled?done=decided" {
			t.Errorf("cancel twice: %d %q", res.status, res.location)
		}
		if res := owner.get("/admin/groups/gardeners/scheduled"); strings.Contains(res.body, "Reminder: swap") {
			t.Error("the cancelled post is still listed")
		}
	})
}

func TestPulse(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		g := mustGroup(t, db, "gardeners")
		masto := sc.Masto
		alice := n.member(masto, "alice", "gardeners")
		bob := n.member(masto, "bob", "gardeners")
		first := n.memberPost(alice, "gardeners", "Frost tonight, cover your dahlias")
		n.memberPost(bob, "gardeners", "Anyone need bean poles?")
		reply := bob.CreateNote(fedtest.Note{Content: "<p>Thanks!</p>", InReplyTo: first.IRI,
			Mentions: []fedtest.Mention{{Href: n.fed.GroupIRI("gardeners"), Name: "@gardeners@kith.test"}}})
		n.send(bob, n.fed.GroupIRI("gardeners"), reply)
		n.send(bob, n.fed.GroupIRI("gardeners"), bob.Undo(bob.Follow(n.fed.GroupIRI("gardeners"))))
		n.clock.CatchUp() // the admin's clock started with the node; the posts came later

		res := owner.get("/admin/groups/gardeners/pulse")
		wantStatus(t, "pulse", res, http.StatusOK)
		wantBody(t, "pulse", res, `<svg class="bars"`, `role="img"`, `<title id="chart-title">`, `<desc id="chart-desc">2 posts and 1 replies`,
			`class="bar-posts"`, `class="bar-replies"`, "<dt>New members</dt><dd>2</dd>", "<dt>Left</dt><dd>1</dd>", "<dt>Posts</dt><dd>2</dd>",
			"<dt>Replies</dt><dd>1</dd>", "@alice@mastodon.test", "No thread has waited 24 hours or more for a reply", `<td class="num" data-label="Posts">2</td><td class="num" data-label="Replies">1</td>`)
		if c := strings.Count(res.body, `<tr><th scope="row">`); c < 30 {
			t.Errorf("the table has %d rows, want a row per day", c)
		}

		// A day later the thread without a reply shows.
		n.clock.Advance(25 * time.Hour)
		res = owner.get("/admin/groups/gardeners/pulse")
		wantBody(t, "unanswered", res, "Anyone need bean poles?", "Reply as the group")
		if strings.Contains(res.body[strings.Index(res.body, `id="unanswered"`):], "cover your dahlias") {
			t.Error("an answered thread is listed as unanswered")
		}
		if res := owner.get("/admin/groups/gardeners/pulse?hours=48"); strings.Contains(res.body, "Anyone need bean poles?") {
			t.Error("?hours=48 lists a thread quiet for 25 hours")
		}
		for _, bad := range []string{"0", "721", "soon"} {
			res := owner.get("/admin/groups/gardeners/pulse?hours=" + bad)
			wantStatus(t, "hours="+bad, res, http.StatusBadRequest)
			wantBody(t, "hours="+bad, res, `id="f-hours-error"`, "from 1 to 720", "Anyone need bean poles?")
		}

		// Welcoming.
		actor, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		wantBody(t, "not welcomed", res, "/pulse/welcomed/"+actor.ID)
		wantStatus(t, "welcome", owner.post("/admin/groups/gardeners/pulse/welcomed/"+actor.ID, url.Values{"csrf": {csrf}}), http.StatusSeeOther)
		if fs, _ := storage.Unwelcomed(ctx, db, g.ID, 10); len(fs) != 0 {
			t.Errorf("still not welcomed: %d", len(fs))
		}
		wantBody(t, "welcomed", owner.get("/admin/groups/gardeners/pulse"), "Everyone has been welcomed")
		wantStatus(t, "welcome a stranger", owner.post("/admin/groups/gardeners/pulse/welcomed/"+storage.NewID(), url.Values{"csrf": {csrf}}), http.StatusNotFound)
	})
}

func TestNotifications(t *testing.T) {
	t.Parallel() // each test has its own databases and fake fediverse
	webtest.EachWith(t, noGroup, func(t *testing.T, sc *webtest.Scenario) {
		ctx := context.Background()
		n, db := newNode(t, sc), sc.Node.DB
		owner := n.setup("gardeners")
		csrf := owner.csrf()
		n.group("knitters")
		kim := n.login(n.staff("kim", storage.RoleModerator, "knitters").Username, ownerPassword)
		n.setGroup("gardeners", func(g *storage.Group) { g.Closed = true })
		masto := sc.Masto
		n.member(masto, "dora", "gardeners")
		n.member(masto, "eve", "gardeners")

		res := owner.get("/admin")
		wantBody(t, "top navigation", res, `title="Requests, held posts, reports and modmail nobody has dealt with yet">2<span class="visually-hidden"> to act on`)
		res = owner.get("/admin/notifications")
		wantStatus(t, "notifications", res, http.StatusOK)
		// Repeats of one kind in one group are one row, marked read together.
		wantBody(t, "notifications", res, "2 requests to join", `href="/admin/groups/gardeners/requests"`, "Mark all as read")
		wantNoBody(t, "notifications", res, "asks to join gardeners")
		if res := kim.get("/admin/notifications"); strings.Contains(res.body, "asks to join") {
			t.Error("a moderator of another group sees the group's notifications")
		}

		me, err := storage.StaffByUsername(ctx, db, "olive")
		if err != nil {
			t.Fatal(err)
		}
		ns, err := storage.ListNotifications(ctx, db, me, storage.NotificationFilter{})
		if err != nil || len(ns) != 2 {
			t.Fatalf("notifications = %d, %v", len(ns), err)
		}
		wantBody(t, "grouped row", res, `<input type="hidden" name="id" value="`+ns[0].ID+`"><input type="hidden" name="id" value="`+ns[1].ID+`">`)
		wantStatus(t, "mark nothing", owner.post("/admin/notifications/read", url.Values{"csrf": {csrf}}), http.StatusBadRequest)
		res = owner.post("/admin/notifications/read", url.Values{"csrf": {csrf}, "id": {ns[0].ID}})
		if res.location != "/admin/notifications?done=read" {
			t.Fatalf("mark read: %d %q", res.status, res.location)
		}
		wantBody(t, "one read", owner.get("/admin/notifications"), `dealt with yet">1<`)
		res = owner.get("/admin/notifications?unread=1")
		if strings.Contains(res.body, ns[0].Text) || !strings.Contains(res.body, ns[1].Text) {
			t.Errorf("unread list:\n%s", res.body)
		}
		wantStatus(t, "mark all", owner.post("/admin/notifications/read", url.Values{"csrf": {csrf}, "all": {"1"}}), http.StatusSeeOther)
		wantBody(t, "all read", owner.get("/admin/notifications?unread=1"), "Nothing unread.")

		// Preferences.
		res = owner.get("/admin/notifications/settings")
		wantStatus(t, "settings", res, http.StatusOK)
		wantBody(t, "settings", res, `name="app-follow_request" id="f-app-follow_request" checked`, `<option value="off" selected>Off</option>`)
		valid := func() url.Values {
			v := url.Values{"csrf": {csrf}, "email": {"olive@garden.example"}}
			for _, k := range storage.NotificationKinds() {
				v.Set("app-"+k, "on")
				v.Set("mail-"+k, "off")
			}
			v.Set("mail-report", "immediate")
			v.Set("mail-new_member", "daily")
			v.Del("app-follow_request")
			return v
		}
		for _, tc := range []struct {
			name, field, msg string
			change           url.Values
		}{
			{"not an address", "email", "This is not an e-mail address", url.Values{"email": {"olive at garden"}}},
			{"address with a name", "email", "This is not an e-mail address", url.Values{"email": {"Olive <olive@garden.example>"}}},
			{"mail without an address", "email", "Give an address", url.Values{"email": {""}}},
			{"unknown mode", "mail-review", "Choose off, at once or a daily summary", url.Values{"mail-review": {"hourly"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := valid()
				for k, v := range tc.change {
					f[k] = v
				}
				res := owner.post("/admin/notifications/settings", f)
				wantStatus(t, "invalid settings", res, http.StatusUnprocessableEntity)
				wantBody(t, "invalid settings", res, `id="f-`+tc.field+`-error"`, tc.msg, `<option value="immediate" selected>At once</option>`)
			})
		}
		res = owner.post("/admin/notifications/settings", valid())
		if res.location != "/admin/notifications/settings?done=prefs" {
			t.Fatalf("save settings: %d %q\n%s", res.status, res.location, res.body)
		}
		prefs, _ := storage.NotificationPrefs(ctx, db, me.ID)
		for _, p := range prefs {
			wantApp, wantMail := p.Kind != storage.NotifyFollowRequest, map[string]string{storage.NotifyReport: "immediate", storage.NotifyNewMember: "daily"}[p.Kind]
			if p.InApp != wantApp || p.Email != cmpOr(wantMail, "off") {
				t.Errorf("pref %s = %+v", p.Kind, p)
			}
		}
		if s, _ := storage.NotificationSettingsOf(ctx, db, me.ID); s.Email != "olive@garden.example" {
			t.Errorf("address %q", s.Email)
		}
		// Requests are no longer shown in the app.
		n.member(masto, "fay", "gardeners")
		if res := owner.get("/admin/notifications"); strings.Contains(res.body, "fay@mastodon.test") {
			t.Error("a kind turned off is still shown")
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
