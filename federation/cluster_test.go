package federation_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
	"github.com/kith-social/kith/web/webtest"
)

// propagation is how soon a change made through one node must hold on
// another: well under the caches' TTLs (2 s for domain blocks and member
// inboxes), so only the invalidation bus can meet it.
const propagation = time.Second

// TestCachesAgreeAcrossNodes runs two nodes on one PostgreSQL database,
// each with its own caches, as two `kith serve` processes do: B serves
// kith.test (every request and job), A is where a moderator acts. A ban,
// a domain block and a group setting made through A hold at B within a
// second.
func TestCachesAgreeAcrossNodes(t *testing.T) {
	t.Parallel()
	db, dsn := storagetest.OpenPostgres(t) // skips without KITH_TEST_POSTGRES
	ctx := context.Background()
	network := fedtest.NewNetwork(t)
	b := webtest.StartOn(t, network, db, webtest.Options{ListenPool: listenPool(t, dsn)})
	dbA, err := storage.Open(ctx, dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbA.Close() })
	a := webtest.StartOn(t, network, dbA, webtest.Options{ListenPool: listenPool(t, dsn), Beside: true})
	g := b.CreateGroup(t, webtest.ScenarioGroup, nil)
	group := b.GroupIRI(g.Name)
	masto := network.NewInstance(webtest.MastodonHost, fedtest.Mastodon)
	spam := network.NewInstance("spam.test", fedtest.Mastodon)
	troll, spammer := masto.NewActor("troll"), spam.NewActor("bot")
	follow(t, b, troll, group)

	t.Run("ban", func(t *testing.T) {
		// B has the troll's inbox among the members it announces to.
		if in := memberInboxes(t, b, g.ID); len(in) != 1 {
			t.Fatalf("member inboxes before the ban = %v", in)
		}
		if err := a.Fed.Community.Moderation.Ban(ctx, g.Name, troll.ID(), "harassment", ada); err != nil {
			t.Fatal(err)
		}
		within(t, propagation, "B forgets the banned member's inbox", func() bool { return len(memberInboxes(t, b, g.ID)) == 0 })
		post := troll.CreateNote(fedtest.Note{Content: "still here", Mentions: []fedtest.Mention{{Href: group}}})
		webtest.Send(t, troll, group, post)
		if p := b.WaitProcessed(t, post["id"].(string)); p.Err != nil || p.Dropped == "" {
			t.Fatalf("the banned member's post at B: err %v, dropped %q; want dropped", p.Err, p.Dropped)
		}
		if c, _ := storage.CountPosts(ctx, db, g.ID, storage.PostPublished); c != 0 {
			t.Errorf("a banned member's post was published (%d)", c)
		}
	})

	t.Run("domain block", func(t *testing.T) {
		// B answers spam.test, and caches that it is not blocked.
		if status := sendStatus(t, spammer, group, spammer.Follow(group)); status != http.StatusAccepted {
			t.Fatalf("spam.test before the block: status %d", status)
		}
		if err := a.Fed.Community.Moderation.BlockDomain(ctx, "spam.test", "spam", ada); err != nil {
			t.Fatal(err)
		}
		within(t, propagation, "B refuses the blocked server", func() bool {
			return sendStatus(t, spammer, group, spammer.Like(group)) == http.StatusForbidden
		})
		if err := a.Fed.Community.Moderation.UnblockDomain(ctx, "spam.test", ada); err != nil {
			t.Fatal(err)
		}
		within(t, propagation, "B answers the unblocked server", func() bool {
			return sendStatus(t, spammer, group, spammer.Like(group)) == http.StatusAccepted
		})
	})

	t.Run("group setting", func(t *testing.T) {
		closed, err := storage.GroupByID(ctx, dbA, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		closed.Closed = true
		if err := a.Fed.Community.Moderation.UpdateGroup(ctx, closed, ada); err != nil {
			t.Fatal(err)
		}
		// The next follow arriving at B waits for a moderator.
		alice := masto.NewActor("alice")
		f := alice.Follow(group)
		webtest.Send(t, alice, group, f)
		if p := b.WaitProcessed(t, f["id"].(string)); p.Err != nil {
			t.Fatal(p.Err)
		}
		actor, err := storage.RemoteActorByIRI(ctx, db, alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		if fl, err := storage.FollowOf(ctx, db, g.ID, actor.ID); err != nil || fl.State != storage.FollowPending {
			t.Fatalf("alice's follow after the group was closed through A: %+v, %v; want pending", fl, err)
		}
	})
}

func listenPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := storage.OpenListenPool(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func memberInboxes(t *testing.T, n *webtest.Node, groupID string) []string {
	t.Helper()
	in, err := n.Fed.Outbox.MemberInboxes(context.Background(), n.DB, groupID)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// sendStatus posts activity from a to target's inbox and returns the status.
func sendStatus(t *testing.T, a *fedtest.Actor, target string, activity map[string]any) int {
	t.Helper()
	resp, err := a.Send(context.Background(), target, activity)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// within polls cond until it holds, failing the test if it does not
// within d: the bound is what is tested here, not an outer limit.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("%s: not within %v", what, d)
		case <-tick.C:
		}
	}
}
