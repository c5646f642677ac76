// Package node holds what every federation service of a Kith node shares:
// the database handles, the group commit, the job queue, the IRI builder,
// the outgoing HTTP client, the clock and the instance actor's key. The
// services (federation/actors, outbox, community, inbox) each embed one
// *Node, which federation.New builds once.
package node

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/keys"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/queue"
	"github.com/kith-social/kith/storage/tune"
)

// Job queue names.
const (
	QueueInbox    = "inbox"
	QueueDelivery = "delivery"
	QueueFanout   = "fanout"
)

// Node is what the federation services share.
type Node struct {
	DB *bun.DB
	// Reads serves lookups made outside transactions while processing
	// received activities (storage.OpenReadPool's readers on SQLite, so
	// they do not queue on the one connection that writes); it is DB
	// otherwise.
	Reads *bun.DB
	// Writes runs the services' write transactions (tune.GroupCommit).
	Writes *tune.GroupCommit
	// Queue is the job queue. federation.New sets it once, after every
	// service and worker is built and before any job or request runs.
	Queue   *queue.Queue
	IRI     iri.Builder
	Client  *transport.Client
	HTML    *content.Sanitizer
	Log     *slog.Logger
	Now     func() time.Time
	Version string // reported in NodeInfo and the User-Agent
	// Metrics receives delivery outcomes and inbox refusals; nil: none.
	Metrics *metrics.Metrics

	// InstanceKey signs the instance actor's requests; InstancePub is its
	// public key (PEM).
	InstanceKey httpsig.Key
	InstancePub string

	groupKeys groupKeyCache // GroupKey's parsed keys
}

// Tx runs fn in a transaction that concurrent callers may share
// (tune.GroupCommit): fn must wait on nothing but the database. The jobs
// fn queues start as soon as it commits, not at the queue's next poll
// (queue.AfterCommit).
func (n *Node) Tx(ctx context.Context, fn func(context.Context, bun.Tx) error) error {
	ctx, committed := n.Queue.AfterCommit(ctx)
	if err := n.Writes.RunInTx(ctx, fn); err != nil {
		return err
	}
	committed()
	return nil
}

// GroupKey returns the signing key of a group.
func (n *Node) GroupKey(g *storage.Group) (httpsig.Key, error) {
	if k, ok := n.groupKeys.get(g.ID, g.PrivateKeyPEM); ok {
		return httpsig.Key{ID: n.IRI.GroupKey(g.Name), Private: k}, nil
	}
	k, err := keys.ParsePrivate(g.PrivateKeyPEM)
	if err != nil {
		return httpsig.Key{}, fmt.Errorf("key of group %s: %w", g.Name, err)
	}
	n.groupKeys.put(g.ID, g.PrivateKeyPEM, k)
	return httpsig.Key{ID: n.IRI.GroupKey(g.Name), Private: k}, nil
}

// groupKeyCache keeps each group's parsed private key: parsing a PEM key
// (and precomputing its CRT values) cost a third of a signature, and every
// answer to one person (an Accept, a Reject) is an activity of its own,
// which the outbox's per-activity cache cannot share — 4 % of the node's
// CPU during a burst of Follows (docs/performance.md). A key is kept with
// the PEM it was parsed from, so a rotated key is parsed again; at most
// groupKeyCacheMax groups are kept.
type groupKeyCache struct {
	mu sync.Mutex
	m  map[string]cachedGroupKey // group id →
}

type cachedGroupKey struct {
	pem string
	key *rsa.PrivateKey
}

const groupKeyCacheMax = 1024

func (c *groupKeyCache) get(groupID, pem string) (*rsa.PrivateKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ck, ok := c.m[groupID]
	if !ok || ck.pem != pem {
		return nil, false
	}
	return ck.key, true
}

func (c *groupKeyCache) put(groupID, pem string, k *rsa.PrivateKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= groupKeyCacheMax {
		c.m = map[string]cachedGroupKey{}
	}
	c.m[groupID] = cachedGroupKey{pem: pem, key: k}
}

// Stamp returns now with millisecond precision, never before notBefore:
// Misskey drops a boost stamped earlier than the boosted note.
func (n *Node) Stamp(notBefore time.Time) time.Time {
	t := n.Now().UTC().Truncate(time.Millisecond)
	if nb := notBefore.UTC().Truncate(time.Millisecond).Add(time.Millisecond); t.Before(nb) && !notBefore.IsZero() {
		return nb
	}
	return t
}

// HostOf returns the host[:port] of an IRI, or "" if it has none.
func HostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return u.Host
}

// Error is a refusal of a remote server's request (a POST to an inbox, a
// GET of a document) that the web layer turns into a status code; Reason
// is written to the sender, so it says what was wrong.
type Error struct {
	Status int
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Reason, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

func Refuse(status int, reason string, err error) *Error {
	return &Error{Status: status, Reason: reason, Err: err}
}
