// Package inbox receives activities: it verifies each request (signature,
// digest, date, that the key belongs to the actor; domain blocks), records
// its id and queues its processing in one shared transaction with the
// others that arrived together (the acceptor), and answers. Jobs then
// parse each activity once more if needed and hand it, by type, to the
// community (follow.go, create.go, like.go ...), which decides what
// happens.
package inbox

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/riverqueue/river"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
)

// Inbox receives and processes the activities sent to the node.
type Inbox struct {
	*node.Node
	actors  *actors.Actors
	out     *outbox.Outbox
	com     *community.Community
	caches  inboxCaches  // cache.go
	accepts *acceptor    // accept.go
	busy    atomic.Int32 // inbox jobs running in this process

	// hooks lets tests wait for processed activities without sleeping.
	hookMu sync.Mutex
	hooks  []func(Processed)
	// signerLimit is the budget per verified signing server (LimitSigners).
	signerLimit atomic.Pointer[SignerLimit]
}

// SignerLimit decides, after a POST's signature is verified, whether its
// signing server (host[:port]) has budget left; an error (a 429
// *node.Error) refuses the POST.
type SignerLimit func(ctx context.Context, host string) error

// LimitSigners sets the budget per verified signing server (the web layer
// keeps it, beside its budget per IP); without one there is none.
func (e *Inbox) LimitSigners(f SignerLimit) { e.signerLimit.Store(&f) }

// Processed describes an activity the inbox finished processing.
type Processed struct {
	ActivityID string
	Type       string
	Err        error
	// Dropped is why the node did not act on the activity ("" if it did).
	Dropped string
}

// New builds the inbox.
func New(n *node.Node, a *actors.Actors, out *outbox.Outbox, com *community.Community) *Inbox {
	e := &Inbox{Node: n, actors: a, out: out, com: com, caches: newInboxCaches()}
	e.accepts = newAcceptor(e)
	return e
}

// AddWorkers registers the inbox's job workers.
func (e *Inbox) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &inboxWorker{e: e})
	river.AddWorker(workers, &inboxBatchWorker{e: e})
}

// Busy tells whether inbox jobs are running in this process: fan-outs
// then yield half the signing slots (transport.Config.Yield), since the
// inbox is what remote servers are waiting on.
func (e *Inbox) Busy() bool { return e.busy.Load() > 0 }

// OnProcessed registers a hook called after each inbox job (tests).
func (e *Inbox) OnProcessed(fn func(Processed)) {
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	e.hooks = append(e.hooks, fn)
}

func (e *Inbox) processed(p Processed) {
	e.hookMu.Lock()
	hooks := append([]func(Processed){}, e.hooks...)
	e.hookMu.Unlock()
	for _, h := range hooks {
		h(p)
	}
}

// ForgetParsed drops the parsed copy of a received activity that the
// acceptor keeps for its job (an anonymous sender being forgotten).
func (e *Inbox) ForgetParsed(activityID string) { e.caches.parsed.Remove(activityID) }
