package webtest

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kith-social/kith/federation/fedtest"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The names a Scenario gives its cast.
const (
	ScenarioGroup = "gardeners"
	MastodonHost  = "mastodon.test"
)

// Wait bounds how long a scenario waits for the node's asynchronous work
// (a delivery, a processed activity). It is an outer limit for a broken
// test, never a budget a passing test spends: waits return as soon as what
// they wait for happens.
const Wait = time.Minute

// Scenario is the cast most end-to-end tests start from: a running node,
// its open group "gardeners", and a Mastodon server "mastodon.test" with
// one account, alice, who has not joined yet.
type Scenario struct {
	Backend  string // "sqlite" or "postgres"
	Node     *Node
	Group    *storage.Group // nil with ScenarioOptions.NoGroup
	GroupIRI string
	Masto    *fedtest.Instance

	aliceOnce sync.Once
	alice     *fedtest.Actor
}

// ScenarioOptions change the cast.
type ScenarioOptions struct {
	Options
	// NoGroup leaves the node without a group, for tests that make it
	// themselves (the admin's first run does). GroupIRI is still set.
	NoGroup bool
	// Group adjusts the group before it is stored.
	Group func(*storage.Group)
}

// Each runs fn as a parallel subtest on a fresh Scenario per database:
// SQLite, and PostgreSQL when KITH_TEST_POSTGRES is set. Each subtest has
// its own database (or schema) and fake fediverse, so they run side by
// side.
func Each(t *testing.T, fn func(t *testing.T, s *Scenario)) {
	t.Helper()
	EachWith(t, ScenarioOptions{}, fn)
}

// EachWith is Each with options.
func EachWith(t *testing.T, opts ScenarioOptions, fn func(t *testing.T, s *Scenario)) {
	t.Helper()
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, NewScenario(t, b, opts))
		})
	}
}

// NewScenario starts a Scenario on backend b.
func NewScenario(t testing.TB, b storagetest.Backend, opts ScenarioOptions) *Scenario {
	t.Helper()
	n := Start(t, b, opts.Options)
	s := &Scenario{Backend: b.Name, Node: n, GroupIRI: n.GroupIRI(ScenarioGroup)}
	if !opts.NoGroup {
		s.Group = n.CreateGroup(t, ScenarioGroup, opts.Group)
	}
	s.Masto = n.Net.NewInstance(MastodonHost, fedtest.Mastodon)
	return s
}

// Alice is the account alice on mastodon.test, made on first use (so that
// a test may make its own "alice" on Masto instead, as a member).
func (s *Scenario) Alice() *fedtest.Actor {
	s.aliceOnce.Do(func() { s.alice = s.Masto.NewActor("alice") })
	return s.alice
}

// Send posts activity from a to the group's inbox, signed, and fails the
// test unless the node accepts it (202) for processing.
func (s *Scenario) Send(t testing.TB, a *fedtest.Actor, activity map[string]any) {
	t.Helper()
	Send(t, a, s.GroupIRI, activity)
}

// Send posts activity from a to target's inbox, signed, and fails the test
// unless it is accepted (202).
func Send(t testing.TB, a *fedtest.Actor, target string, activity map[string]any) {
	t.Helper()
	resp, err := a.Send(context.Background(), target, activity)
	if err != nil {
		t.Fatalf("send %v: %v", activity["type"], err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send %v: status %d: %s", activity["type"], resp.StatusCode, body)
	}
}

// Join makes a follow the group and waits for the group's Accept.
func (s *Scenario) Join(t testing.TB, a *fedtest.Actor) {
	t.Helper()
	f := a.Follow(s.GroupIRI)
	s.Send(t, a, f)
	a.Instance().WaitFor(t, func(d fedtest.Delivery) bool { return d.Type() == "Accept" && d.ObjectID() == f["id"] }, Wait)
}

// UntilTestDeadline bounds ctx by the test binary's own deadline (go test
// -timeout), less a margin to report the failure, instead of a fixed
// budget: a browser test on a loaded machine is slower, not wrong, and its
// steps already wait on conditions (an element shown, a page loaded). With
// no deadline (-timeout 0) ctx is only made cancellable.
func UntilTestDeadline(t testing.TB, ctx context.Context) (context.Context, context.CancelFunc) {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := dt.Deadline(); ok {
			return context.WithDeadline(ctx, deadline.Add(-30*time.Second))
		}
	}
	return context.WithCancel(ctx)
}
