// Package outbox sends what groups publish: it stores each activity once
// with the deliveries it needs, in the transaction of the change that
// caused it (Publish), then delivers in jobs — fan-out shards of the
// members' inboxes signed and POSTed 16 at a time, single deliveries and
// their retries on a backoff schedule, a limit of connections per server,
// and the servers' health.
package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"golang.org/x/sync/singleflight"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/software"
	"github.com/kith-social/kith/storage"
)

// Outbox publishes the groups' activities and delivers them.
type Outbox struct {
	*node.Node
	hosts      *hostLimiter
	sends      sendCache
	retryDelay func(attempt int, unreachable bool) time.Duration
	// members holds each group's member inboxes: every Like, reply and
	// post a group announces needs them, and with a thousand members the
	// query was the largest part of processing an activity. This process
	// empties it whenever it changes a membership or an actor (after the
	// transaction, so no reader keeps what the transaction replaced);
	// another process's change arrives on the invalidation bus
	// (federation/invalidate.go), or, on a lost connection, within
	// membersCacheTTL.
	members *memberCache // group id → inboxes, with a generation (membercache.go)
	// memberReads joins concurrent reads of one group's inboxes made
	// outside a transaction (MemberInboxes).
	memberReads singleflight.Group
	// beforeMemberRead, in tests, is called before a shared read.
	beforeMemberRead func()
	alive            *expirable.LRU[string, struct{}] // hosts recently marked alive
	// servers knows each server's software family, which decides the
	// shapes it gets (shapes.go); nil: every server gets every shape.
	servers *software.Servers
}

// Cache sizes and lifetimes (see federation/actors for the others).
const (
	membersCacheTTL = 2 * time.Second
	aliveCacheTTL   = time.Minute
	aliveCacheSize  = 4096
)

// New builds the outbox. retryDelay is the wait before the next delivery
// attempt; nil is DeliveryRetryDelay.
func New(n *node.Node, retryDelay func(attempt int, unreachable bool) time.Duration) *Outbox {
	if retryDelay == nil {
		retryDelay = DeliveryRetryDelay
	}
	return &Outbox{
		Node:       n,
		hosts:      newHostLimiter(4),
		retryDelay: retryDelay,
		members:    newMemberCache(256, membersCacheTTL),
		alive:      expirable.NewLRU[string, struct{}](aliveCacheSize, nil, aliveCacheTTL),
	}
}

// SetServers gives the outbox the servers' software families, so each
// server gets only the shapes it uses. federation.New calls it before the
// node serves.
func (e *Outbox) SetServers(s *software.Servers) { e.servers = s }

// FanoutWorkers is how many fan-out jobs a process runs at once.
const FanoutWorkers = fanoutWorkers

// AddWorkers registers the delivery and fan-out workers.
func (e *Outbox) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &deliverWorker{e: e})
	river.AddWorker(workers, &fanoutWorker{e: e})
}

// Activity is an activity a group sends.
type Activity struct {
	IRI       string
	Type      string
	ObjectIRI string
	Body      []byte
	Public    bool // listed in the public outbox
	// Shape says which servers use it (shapes.go): Any, the default, is
	// for what the group says itself; Wrapped and Boost are the two
	// shapes in which the group relays its members' activities.
	Shape software.Shape
}

// The shapes of relayed activities (federation/software).
const (
	Wrapped = software.Wrapped // Announce{activity}, FEP-1b12
	Boost   = software.Boost   // the plain boost of a post, and its Undo
)

// Audience is whom an activity goes to: the group's members (one POST
// per shared inbox) and/or a few inboxes.
type Audience struct {
	Members bool
	Inboxes []string
}

// To is an answer to one person (an Accept, a Reject, a Block, a DM), or
// to a few.
func To(inboxes ...string) Audience { return Audience{Inboxes: inboxes} }

// Members is every member of the group, and the extra inboxes (the
// author of a post the group announces, say).
func Members(extra ...string) Audience { return Audience{Members: true, Inboxes: extra} }

// Publish stores act in the group's outbox and queues its delivery to
// the audience, inside tx: the activity and its deliveries exist together
// or not at all. One or two inboxes get a delivery job each, ahead of the
// bulk of fan-outs; more get one fan-out job per fanoutBatch of them,
// each naming its shard rather than listing its inboxes. Only the servers
// that use the activity's shape count (shapes.go): a relayed vote among
// Mastodon-family members is stored and queues nothing.
func (e *Outbox) Publish(ctx context.Context, tx bun.Tx, g *storage.Group, act Activity, to Audience) error {
	oa := &storage.OutboxActivity{GroupID: g.ID, IRI: act.IRI, Type: act.Type, ObjectIRI: act.ObjectIRI, Public: act.Public, Body: string(act.Body)}
	if err := storage.CreateOutboxActivity(ctx, tx, e.Now(), oa); err != nil {
		return err
	}
	if !to.Members {
		targets, err := e.forShape(ctx, e.Targets(to.Inboxes), act.Shape)
		if err != nil {
			return err
		}
		return e.Queue.InsertManyTx(ctx, tx, e.answers(oa.ID, act.Shape, targets))
	}
	members, err := e.MemberInboxes(ctx, tx, g.ID)
	if err != nil {
		return err
	}
	extra := e.Targets(to.Inboxes)
	targets, err := e.forShape(ctx, withExtra(members, extra), act.Shape)
	if err != nil {
		return err
	}
	if len(targets) <= 2 {
		return e.Queue.InsertManyTx(ctx, tx, e.answers(oa.ID, act.Shape, targets))
	}
	shards := (len(targets) + fanoutBatch - 1) / fanoutBatch
	params := make([]river.InsertManyParams, shards)
	for k := range params {
		params[k] = river.InsertManyParams{Args: fanoutArgs{ActivityID: oa.ID, Shard: k, Shards: shards, Extra: extra, Shape: act.Shape}}
	}
	return e.Queue.InsertManyTx(ctx, tx, params)
}

// MarkAlive clears a server's unreachable state when it delivers to us;
// a server heard from in the last minute is not written again.
func (e *Outbox) MarkAlive(ctx context.Context, host string) error {
	if _, ok := e.alive.Get(host); ok {
		return nil
	}
	if err := storage.MarkServerAlive(ctx, e.DB, host); err != nil {
		return err
	}
	e.alive.Add(host, struct{}{})
	return nil
}

// MemberInboxes returns the group's member inboxes (one per shared inbox).
// The slice is shared: callers must not change it.
func (e *Outbox) MemberInboxes(ctx context.Context, tx bun.IDB, groupID string) ([]string, error) {
	in, gen, ok := e.members.get(groupID)
	if ok {
		return in, nil
	}
	read := func() ([]string, error) {
		in, err := storage.MemberInboxes(ctx, tx, groupID)
		if err != nil {
			return nil, err
		}
		// Kept as delivery targets (each once, none of this node's), so
		// that each announce does not sort them out again; callers only
		// read it.
		in = e.Targets(in)
		e.members.add(groupID, in, gen) // not if membership changed meanwhile
		return in, nil
	}
	if _, inTx := tx.(bun.Tx); inTx {
		return read() // the transaction's own view
	}
	// Outside a transaction, the fan-out shards of one activity that find
	// the list expired read it once between them instead of each (a
	// thousand members' list costs tens of milliseconds on SQLite). Only
	// readers of the same generation share a read: one that comes after a
	// change of membership reads afresh.
	ctx = context.WithoutCancel(ctx) // a reader that gives up must not fail the others
	if e.beforeMemberRead != nil {
		e.beforeMemberRead()
	}
	v, err, _ := e.memberReads.Do(fmt.Sprintf("%s %d", groupID, gen), func() (any, error) { return read() })
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// MembersChanged forgets every group's member inboxes. Call it (deferred)
// around any change of follows or of remote actors' inboxes.
func (e *Outbox) MembersChanged() { e.members.purge() }
