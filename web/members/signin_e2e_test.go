package members_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/members"
	"github.com/kith-social/kith/web/webtest"
)

const signInPath = "/groups/" + webtest.ScenarioGroup + "/me/signin"

// outboxCount is how many activities the node's groups have sent.
func outboxCount(t *testing.T, n *webtest.Node) int64 {
	t.Helper()
	c, err := n.DB.NewSelect().Model((*storage.OutboxActivity)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn asks for a link for a, waits for the DM at a's server, opens the
// link and presses the button; it returns the link.
func signIn(t *testing.T, c *browserish, a *fedtest.Actor, typed string) string {
	t.Helper()
	seen := map[any]bool{}
	for _, d := range a.Instance().Received() {
		seen[d.Activity["id"]] = true
	}
	status, _, body := c.post(t, signInPath, url.Values{"handle": {typed}})
	if status != http.StatusOK || !strings.Contains(body, "Check your messages") {
		t.Fatalf("ask for a link as %s: %d\n%s", typed, status, body)
	}
	d := a.Instance().WaitFor(t, func(x fedtest.Delivery) bool {
		return isSignInDM(a)(x) && !seen[x.Activity["id"]]
	}, webtest.Wait)
	link := linkIn(t, d, a)
	// Opening the link (as a link preview would) spends nothing.
	for range 2 {
		status, _, body = c.get(t, link)
		if status != http.StatusOK || !strings.Contains(body, `id="signin-button"`) {
			t.Fatalf("open the link: %d\n%s", status, body)
		}
	}
	status, loc, body := c.post(t, "/groups/"+webtest.ScenarioGroup+"/me/session", url.Values{"token": {tokenOf(t, link)}})
	if status != http.StatusSeeOther || loc != "/groups/"+webtest.ScenarioGroup+"/me" {
		t.Fatalf("sign in with the link: %d → %q\n%s", status, loc, body)
	}
	return link
}

// TestSignInByHandle signs in a member of each flavour of the fake
// fediverse: the group's DM reaches their own server, the link signs
// them in once, and a stranger typing a handle gets the same page and no
// message.
func TestSignInByHandle(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n := s.Node
		gts := n.Net.NewInstance("gts.test:8080", fedtest.GoToSocial)
		misskey := n.Net.NewInstance("misskey.test", fedtest.Misskey)
		cases := []struct {
			actor *fedtest.Actor
			typed string
		}{
			{s.Alice(), "@alice@" + webtest.MastodonHost},
			{gts.NewActor("bob"), "bob@GTS.test:8080"},
			{misskey.NewActor("carol"), ""}, // by the address of her actor
		}
		for _, c := range cases {
			s.Join(t, c.actor)
		}
		for _, tc := range cases {
			typed := tc.typed
			if typed == "" {
				typed = tc.actor.ID()
			}
			t.Run(tc.actor.Instance().Flavor().String(), func(t *testing.T) {
				c := newClient(t, n)
				link := signIn(t, c, tc.actor, typed)
				status, _, body := c.get(t, "/groups/"+webtest.ScenarioGroup+"/me")
				if status != http.StatusOK || !strings.Contains(body, "@"+tc.actor.Username()+"@"+tc.actor.Instance().Host()) || !strings.Contains(body, "You are a member") {
					t.Fatalf("members' page: %d\n%s", status, body)
				}
				// Once only, from any browser.
				status, _, body = newClient(t, n).post(t, "/groups/"+webtest.ScenarioGroup+"/me/session", url.Values{"token": {tokenOf(t, link)}})
				if status != http.StatusGone || !strings.Contains(body, "expired or was already used") {
					t.Errorf("second use of the link: %d\n%s", status, body)
				}
				// The link was in the group's outbox copy of the DM; spent,
				// it is kept nowhere.
				var bodies []string
				if err := n.DB.NewSelect().Model((*storage.OutboxActivity)(nil)).Column("body").Scan(context.Background(), &bodies); err != nil {
					t.Fatal(err)
				}
				for _, b := range bodies {
					if strings.Contains(b, tokenOf(t, link)) {
						t.Errorf("the spent token is still in the outbox: %s", b)
					}
				}
			})
		}

		// A stranger: the same page, and the group sends nothing.
		stranger := s.Masto.NewActor("dave")
		sent := outboxCount(t, n)
		status, _, body := newClient(t, n).post(t, signInPath, url.Values{"handle": {"@dave@" + webtest.MastodonHost}})
		if status != http.StatusOK || !strings.Contains(body, "Check your messages") {
			t.Fatalf("stranger: %d\n%s", status, body)
		}
		waitSignInJobs(t, n)
		if after := outboxCount(t, n); after != sent {
			t.Errorf("the group sent %d activities for a stranger", after-sent)
		}
		if got := stranger.Instance().Received(); len(got) > 0 {
			for _, d := range got {
				if isSignInDM(stranger)(d) {
					t.Errorf("the stranger got a sign-in link")
				}
			}
		}

		// A handle that cannot be one is refused with a reason.
		status, _, body = newClient(t, n).post(t, signInPath, url.Values{"handle": {"not a handle"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter your handle") {
			t.Errorf("bad handle: %d\n%s", status, body)
		}
	})
}

// TestSignInApplicant: an applicant of a closed group may sign in, and
// sees that their request waits.
func TestSignInApplicant(t *testing.T) {
	t.Parallel()
	webtest.EachWith(t, webtest.ScenarioOptions{Group: func(g *storage.Group) { g.Closed = true }}, func(t *testing.T, s *webtest.Scenario) {
		alice := s.Alice()
		f := alice.Follow(s.GroupIRI)
		s.Send(t, alice, f) // a closed group's Follow is stored before the answer
		c := newClient(t, s.Node)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		status, _, body := c.get(t, "/groups/"+webtest.ScenarioGroup+"/me")
		if status != http.StatusOK || !strings.Contains(body, "waiting for a moderator") {
			t.Fatalf("applicant's page: %d\n%s", status, body)
		}
	})
}

// TestSignInExpiryAndSessions runs a node on a test clock: a link older
// than 15 minutes no longer works, a session unused for 30 days ends,
// "sign out everywhere" ends every session, and a banned member is signed
// out at once and gets no new link.
func TestSignInExpiryAndSessions(t *testing.T) {
	t.Parallel()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			clk := webtest.NewClock(time.Now())
			s := webtest.NewScenario(t, b, webtest.ScenarioOptions{Options: webtest.Options{Now: clk.Now}})
			expiryAndSessions(t, s, clk)
		})
	}
}

func expiryAndSessions(t *testing.T, s *webtest.Scenario, clk *webtest.Clock) {
	{
		n, alice := s.Node, s.Alice()
		s.Join(t, alice)
		me := "/groups/" + webtest.ScenarioGroup + "/me"

		// Expired: ask, wait 16 minutes, try.
		status, _, _ := newClient(t, n).post(t, signInPath, url.Values{"handle": {"@alice@" + webtest.MastodonHost}})
		if status != http.StatusOK {
			t.Fatalf("ask for a link: %d", status)
		}
		d := s.Masto.WaitFor(t, isSignInDM(alice), webtest.Wait)
		link := linkIn(t, d, alice)
		clk.Advance(16 * time.Minute)
		status, _, body := newClient(t, n).post(t, me+"/session", url.Values{"token": {tokenOf(t, link)}})
		if status != http.StatusGone {
			t.Errorf("expired link: %d\n%s", status, body)
		}
		// The periodic purge erases the expired link from the group's
		// outbox copy of the message, as using it would have.
		if err := n.Fed.Community.Members.PurgeExpiredSignIns(context.Background()); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		if err := n.DB.NewSelect().Model((*storage.OutboxActivity)(nil)).Column("body").Scan(context.Background(), &bodies); err != nil {
			t.Fatal(err)
		}
		for _, b := range bodies {
			if strings.Contains(b, tokenOf(t, link)) {
				t.Errorf("the expired token is still in the outbox after the purge: %s", b)
			}
		}

		// Two browsers; the first signs out everywhere.
		first, second := newClient(t, n), newClient(t, n)
		signIn(t, first, alice, "@alice@"+webtest.MastodonHost)
		signIn(t, second, alice, "@alice@"+webtest.MastodonHost)
		status, _, page := first.get(t, me)
		if status != http.StatusOK || strings.Count(page, "/end\"") != 2 || !strings.Contains(page, "(this browser)") {
			t.Fatalf("sessions list: %d\n%s", status, page)
		}
		// A form without the session's token is refused.
		if status, _, _ := first.post(t, me+"/signout-everywhere", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
			t.Errorf("sign out everywhere without the form token: %d, want 403", status)
		}
		status, loc, _ := first.post(t, me+"/signout-everywhere", url.Values{"csrf": {csrfOf(t, page)}})
		if status != http.StatusSeeOther || loc != "/groups/"+webtest.ScenarioGroup {
			t.Fatalf("sign out everywhere: %d → %q", status, loc)
		}
		for i, c := range []*browserish{first, second} {
			if status, loc, _ := c.get(t, me); status != http.StatusSeeOther || loc != me+"/signin" {
				t.Errorf("browser %d after signing out everywhere: %d → %q", i, status, loc)
			}
		}

		// Idle for 30 days.
		c := newClient(t, n)
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		clk.Advance(29 * 24 * time.Hour)
		if status, _, _ := c.get(t, me); status != http.StatusOK {
			t.Fatalf("after 29 days: %d", status)
		}
		clk.Advance(30*24*time.Hour + time.Minute)
		if status, _, _ := c.get(t, me); status != http.StatusSeeOther {
			t.Errorf("after 30 idle days: %d, want a redirect to sign in", status)
		}

		// Banned: out at once, and no new link.
		signIn(t, c, alice, "@alice@"+webtest.MastodonHost)
		if err := n.Fed.Community.Moderation.Ban(context.Background(), webtest.ScenarioGroup, alice.ID(), "spam", community.Staff{Name: "ada"}); err != nil {
			t.Fatal(err)
		}
		if status, loc, _ := c.get(t, me); status != http.StatusSeeOther || loc != me+"/signin" {
			t.Errorf("banned member's page: %d → %q", status, loc)
		}
		sent := outboxCount(t, n)
		if status, _, _ := newClient(t, n).post(t, signInPath, url.Values{"handle": {"@alice@" + webtest.MastodonHost}}); status != http.StatusOK {
			t.Errorf("banned member asking for a link: %d", status)
		}
		waitSignInJobs(t, n)
		if after := outboxCount(t, n); after != sent {
			t.Errorf("the group sent a banned member %d activities", after-sent)
		}
	}
}

// TestSignInLimits: requests for links are limited per handle, per server
// and per client address; a refused request is not counted.
func TestSignInLimits(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		n := s.Node
		s.Join(t, s.Alice())
		m := members.New(members.Deps{DB: n.DB, Community: n.Fed.Community.Members, Now: n.Fed.Now, InsecureHTTP: true,
			Limits: members.Limits{PerHandle: 2, PerServer: 3, PerClient: 4, Window: time.Hour}})
		h := members.Router(m)
		ask := func(handle, client string) int {
			req := newFormRequest(t, signInPath, url.Values{"handle": {handle}})
			req.RemoteAddr = client + ":4000"
			return serve(h, req)
		}
		steps := []struct {
			handle, client string
			want           int
		}{
			{"@alice@mastodon.test", "192.0.2.1", http.StatusOK},
			{"@Alice@mastodon.test", "192.0.2.2", http.StatusOK},
			{"@alice@mastodon.test", "192.0.2.3", http.StatusTooManyRequests}, // the handle's budget
			{"@bob@mastodon.test", "192.0.2.4", http.StatusOK},
			{"@carol@mastodon.test", "192.0.2.5", http.StatusTooManyRequests}, // the server's
			{"@x@a.test", "192.0.2.9", http.StatusOK},
			{"@x@b.test", "192.0.2.9", http.StatusOK},
			{"@x@c.test", "192.0.2.9", http.StatusOK},
			{"@x@d.test", "192.0.2.9", http.StatusOK},
			{"@x@e.test", "192.0.2.9", http.StatusTooManyRequests}, // the client's
		}
		for i, st := range steps {
			if got := ask(st.handle, st.client); got != st.want {
				t.Errorf("step %d (%s from %s): %d, want %d", i, st.handle, st.client, got, st.want)
			}
		}
		waitSignInJobs(t, n)
		tokens, err := n.DB.NewSelect().Model((*storage.SignInToken)(nil)).Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if tokens != 2 {
			t.Errorf("%d sign-in links sent to alice, want 2", tokens)
		}
	})
}

// signInJobs counts the queued sign-in link jobs in the given states
// (all states when none is given).
func signInJobs(t *testing.T, n *webtest.Node, states ...string) int {
	t.Helper()
	q := n.DB.NewSelect().Table("river_job").Where("kind = ?", "signin_link")
	if len(states) > 0 {
		q = q.Where("state IN (?)", bun.List(states))
	}
	c, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(c)
}

// waitSignInJobs waits until every queued sign-in link job has run.
func waitSignInJobs(t *testing.T, n *webtest.Node) {
	t.Helper()
	deadline := time.Now().Add(webtest.Wait)
	for signInJobs(t, n, "available", "pending", "retryable", "running", "scheduled") > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sign-in link jobs still waiting after %s", webtest.Wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSignInAnswerRevealsNothing: asking for a link does the same work for
// a member and a stranger before the answer — it queues a job naming the
// handle typed — so neither the page nor the time it takes tells them
// apart. Only the job, after the answer, looks the handle up and sends the
// member their link. The node's job queue is stopped while the two
// answers are given, so whatever happened before them is all there is.
func TestSignInAnswerRevealsNothing(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, alice, stranger := s.Node, s.Alice(), s.Masto.NewActor("dave")
		s.Join(t, alice)
		if err := n.Fed.Queue.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		sent := outboxCount(t, n)
		pages := map[string]string{}
		for _, handle := range []string{"@alice@" + webtest.MastodonHost, "@dave@" + webtest.MastodonHost} {
			status, _, body := newClient(t, n).post(t, signInPath, url.Values{"handle": {handle}})
			if status != http.StatusOK {
				t.Fatalf("ask for a link as %s: %d\n%s", handle, status, body)
			}
			pages[handle] = strings.ReplaceAll(body, handle, "HANDLE")
		}
		if pages["@alice@"+webtest.MastodonHost] != pages["@dave@"+webtest.MastodonHost] {
			t.Errorf("the member's and the stranger's answers differ:\n%s\n---\n%s", pages["@alice@"+webtest.MastodonHost], pages["@dave@"+webtest.MastodonHost])
		}
		tokens, err := n.DB.NewSelect().Model((*storage.SignInToken)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tokens != 0 || outboxCount(t, n) != sent {
			t.Errorf("before the answer: %d links made, %d activities sent; want the member's link made after it", tokens, outboxCount(t, n)-sent)
		}
		if got := signInJobs(t, n, "available"); got != 2 {
			t.Errorf("%d sign-in link jobs waiting, want one for each request", got)
		}

		// After the answers, the jobs: the member gets her link, the
		// stranger nothing.
		if err := n.Fed.Queue.Start(ctx); err != nil {
			t.Fatal(err)
		}
		d := s.Masto.WaitFor(t, isSignInDM(alice), webtest.Wait)
		linkIn(t, d, alice)
		waitSignInJobs(t, n)
		for _, d := range stranger.Instance().Received() {
			if isSignInDM(stranger)(d) {
				t.Errorf("the stranger got a sign-in link")
			}
		}
		if got := signInJobs(t, n, "completed"); got != 2 {
			t.Errorf("%d sign-in link jobs completed, want 2", got)
		}
	})
}
