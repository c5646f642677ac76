package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

func TestDeliveryRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		attempt     int
		unreachable bool
		min, max    time.Duration
	}{
		{1, false, 30 * time.Second, 34 * time.Second},
		{2, false, time.Minute, 67 * time.Second},
		{5, false, 8 * time.Minute, 9 * time.Minute},
		{10, false, 256 * time.Minute, 282 * time.Minute},
		{11, false, 6 * time.Hour, 6*time.Hour + 37*time.Minute},
		{40, false, 6 * time.Hour, 6*time.Hour + 37*time.Minute},
		{1, true, 6 * time.Hour, 6*time.Hour + 37*time.Minute},
	} {
		got := outbox.DeliveryRetryDelay(tc.attempt, tc.unreachable)
		if got < tc.min || got > tc.max {
			t.Errorf("DeliveryRetryDelay(%d, %v) = %s, want %s..%s", tc.attempt, tc.unreachable, got, tc.min, tc.max)
		}
	}
	// The whole schedule lasts at least two days before a delivery is given up.
	var total time.Duration
	for a := 1; a < 18; a++ { // 18 attempts: 17 waits
		total += outbox.DeliveryRetryDelay(a, false)
	}
	if total < 48*time.Hour {
		t.Errorf("retries span %s, want at least 48h", total)
	}
}

func follow(t *testing.T, n *webtest.Node, a *fedtest.Actor, group string) {
	t.Helper()
	f := a.Follow(group)
	resp, err := a.Send(context.Background(), group, f)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.Instance().WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == f["id"] }, wait)
}

func mention(t *testing.T, n *webtest.Node, a *fedtest.Actor, group string) string {
	t.Helper()
	note := a.CreateNote(fedtest.Note{Content: "hello group", Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
	resp, err := a.Send(context.Background(), group, note)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("post: %d", resp.StatusCode)
	}
	return fedtest.ObjectID(note)
}

// A member's server that fails for a long time (500s) is marked
// unreachable, retried on the slow schedule, gets everything once it
// recovers, and is marked reachable again.
//
// With two member servers each delivery is a job of its own; with more,
// the first attempt is a batch (a fan-out job) and the failing inbox is
// handed to a job of its own: both paths must behave the same.
func TestDeliveryOutageAndRecovery(t *testing.T) {
	for _, b := range storagetest.Backends() {
		for _, bystanders := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/bystanders=%d", b.Name, bystanders), func(t *testing.T) {
				ctx := context.Background()
				clk := webtest.NewClock(time.Now())
				var sawUnreachable atomic.Bool
				n := webtest.Start(t, b, webtest.Options{
					Now: clk.Now,
					RetryDelay: func(attempt int, unreachable bool) time.Duration {
						if unreachable {
							sawUnreachable.Store(true)
						}
						return 10 * time.Millisecond
					},
				})
				g := n.CreateGroup(t, "g", nil)
				group := n.GroupIRI(g.Name)
				masto := n.Net.NewInstance("down.test", fedtest.Mastodon)
				lemmy := n.Net.NewInstance("up.test", fedtest.Lemmy)
				follow(t, n, masto.NewActor("alice"), group)
				poster := lemmy.NewActor("carol")
				follow(t, n, poster, group)
				bystanderServers := addBystanders(t, n, group, bystanders)

				// down.test fails 14 times, two hours apart: 28 hours of outage.
				var failures atomic.Int32
				masto.FailInbox(func(*http.Request) int {
					if failures.Add(1) > 14 {
						return 0
					}
					clk.Advance(2 * time.Hour)
					return http.StatusServiceUnavailable
				})
				objectID := mention(t, n, poster, group)
				lemmy.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == objectID }, wait)
				masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == objectID }, wait)
				masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectType() == "Create" }, wait)
				if !sawUnreachable.Load() {
					t.Error("down.test was never treated as unreachable")
				}
				webtest.Eventually(t, "down.test reachable again", func() bool {
					s, err := storage.ServerByHost(ctx, n.DB, "down.test")
					return err == nil && !s.Unreachable() && s.Failures == 0 && s.Deliveries > 0
				})
				for _, h := range append(bystanderServers, "up.test") {
					if s, _ := storage.ServerByHost(ctx, n.DB, h); s == nil || s.Deliveries == 0 || s.Unreachable() || s.Failures != 0 {
						t.Errorf("%s health: %+v", h, s)
					}
				}
			})
		}
	}
}

// addBystanders adds n healthy member servers, each with one member, so
// that a group's activities go out as a fan-out batch; it returns their
// hosts.
func addBystanders(t *testing.T, n *webtest.Node, group string, count int) []string {
	var hosts []string
	for i := range count {
		host := fmt.Sprintf("bystander%d.test", i)
		follow(t, n, n.Net.NewInstance(host, fedtest.GoToSocial).NewActor("dana"), group)
		hosts = append(hosts, host)
	}
	return hosts
}

// A 4xx other than 408/429 means the server will never take the
// activity: the delivery stops at once instead of retrying for days.
func TestDeliveryPermanentRefusal(t *testing.T) {
	for _, b := range storagetest.Backends() {
		for _, bystanders := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/bystanders=%d", b.Name, bystanders), func(t *testing.T) {
				ctx := context.Background()
				n := webtest.Start(t, b, webtest.Options{RetryDelay: func(int, bool) time.Duration { return 10 * time.Millisecond }})
				g := n.CreateGroup(t, "g", nil)
				group := n.GroupIRI(g.Name)
				refusing := n.Net.NewInstance("refusing.test", fedtest.Mastodon)
				lemmy := n.Net.NewInstance("up.test", fedtest.Lemmy)
				follow(t, n, refusing.NewActor("alice"), group)
				poster := lemmy.NewActor("carol")
				follow(t, n, poster, group)
				addBystanders(t, n, group, bystanders)
				before := refusing.InboxAttempts()
				refusing.FailInbox(func(*http.Request) int { return http.StatusForbidden })
				objectID := mention(t, n, poster, group)
				lemmy.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == objectID }, wait)

				client, err := queue.New(n.DB, queue.Options{})
				if err != nil {
					t.Fatal(err)
				}
				jobs := func(kind string, state rivertype.JobState) int {
					res, err := client.Client().JobList(ctx, river.NewJobListParams().Kinds(kind).States(state))
					if err != nil {
						t.Fatal(err)
					}
					return len(res.Jobs)
				}
				if bystanders == 0 {
					webtest.Eventually(t, "both deliveries to refusing.test cancelled", func() bool {
						return jobs("deliver", rivertype.JobStateCancelled) == 2
					})
				} else {
					// Batches: the refusal is recorded, and no job of its own
					// is made to retry it.
					webtest.Eventually(t, "both fan-outs done", func() bool {
						return jobs("fanout", rivertype.JobStateCompleted) == 2
					})
					if got := jobs("deliver", rivertype.JobStateAvailable) + jobs("deliver", rivertype.JobStateRetryable) + jobs("deliver", rivertype.JobStateScheduled); got != 0 {
						t.Errorf("%d delivery jobs left after a permanent refusal, want 0", got)
					}
					if s, err := storage.ServerByHost(ctx, n.DB, "refusing.test"); err != nil || s.Failures != 2 || s.LastError == "" {
						t.Errorf("refusing.test health: %+v, %v; want 2 failures recorded", s, err)
					}
				}
				if got := refusing.InboxAttempts() - before; got != 2 {
					t.Errorf("refusing.test was tried %d times for two activities, want 2 (no retries)", got)
				}
			})
		}
	}
}

// A member whose account is deleted (their server answers 410 for it)
// leaves the group when the daily profile refresh notices.
func TestRefreshRemovesGoneMembers(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clk := webtest.NewClock(time.Now())
			n := webtest.Start(t, b, webtest.Options{Now: clk.Now})
			g := n.CreateGroup(t, "g", nil)
			group := n.GroupIRI(g.Name)
			masto := n.Net.NewInstance("mastodon.test", fedtest.Mastodon)
			alice, bob := masto.NewActor("alice"), masto.NewActor("bob")
			follow(t, n, alice, group)
			follow(t, n, bob, group)
			mention(t, n, alice, group)
			webtest.Eventually(t, "alice's post stored", func() bool {
				c, _ := storage.CountPosts(ctx, n.DB, g.ID, storage.PostPublished)
				return c == 1
			})
			masto.Gone("/users/alice")
			if got, err := n.Fed.Actors.RefreshStaleActors(ctx, 10); err != nil || got != 0 {
				t.Fatalf("fresh profiles refreshed: %d, %v", got, err)
			}
			clk.Advance(25 * time.Hour)
			// Bob's refresh may fail on a loaded machine; Alice's removal is what counts.
			if got, err := n.Fed.Actors.RefreshStaleActors(ctx, 10); err != nil || got < 1 {
				t.Fatalf("refreshed %d, %v; want at least Alice", got, err)
			}
			if c, _ := storage.CountFollows(ctx, n.DB, g.ID, storage.FollowAccepted); c != 1 {
				t.Errorf("members = %d, want 1 (bob)", c)
			}
			if c, _ := storage.CountPosts(ctx, n.DB, g.ID, storage.PostPublished); c != 0 {
				t.Errorf("posts of the deleted account = %d, want 0", c)
			}
		})
	}
}

// A burst of activities is accepted in batches (one transaction, one job
// for many), and every activity of every batch is processed and
// announced.
func TestInboxBurstIsBatched(t *testing.T) {
	t.Parallel()
	webtest.Each(t, func(t *testing.T, s *webtest.Scenario) {
		ctx := context.Background()
		n, g, group, masto := s.Node, s.Group, s.GroupIRI, s.Masto
		var members []*fedtest.Actor
		for i := range 4 {
			a := masto.NewActor(fmt.Sprintf("m%d", i))
			follow(t, n, a, group)
			members = append(members, a)
		}
		const posts = 40
		var wg sync.WaitGroup
		var ids sync.Map
		for i := range posts {
			wg.Go(func() {
				a := members[i%len(members)]
				note := a.CreateNote(fedtest.Note{Content: fmt.Sprintf("burst %d", i), Mentions: []fedtest.Mention{{Href: group, Name: "@" + path.Base(group) + "@" + webtest.Host}}})
				ids.Store(fedtest.ObjectID(note), true)
				resp, err := a.Post(ctx, n.URL("/inbox"), note)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Errorf("post %d: %d", i, resp.StatusCode)
				}
			})
		}
		wg.Wait()
		webtest.Eventually(t, "every post of the burst stored", func() bool {
			c, _ := storage.CountPosts(ctx, n.DB, g.ID, storage.PostPublished)
			return c == posts
		})
		ids.Range(func(id, _ any) bool {
			masto.WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Announce" && d.ObjectID() == id }, wait)
			return true
		})
		client, err := queue.New(n.DB, queue.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := client.Client().JobList(ctx, river.NewJobListParams().Kinds("inbox_batch").States(rivertype.JobStateCompleted, rivertype.JobStateRunning))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) == 0 {
			t.Errorf("%d concurrent activities made no batch", posts)
		}
	})
}
