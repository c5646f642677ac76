package federation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
)

// Delivery retry schedule: 30 s doubling up to 6 h between attempts, 18
// attempts in all — about two and a half days, longer than the outages a
// small server has. A server that failed 10 times in a row over at least
// 12 hours is marked unreachable: its deliveries then wait the full 6 h.
const (
	deliveryMaxAttempts      = 18
	deliveryFirstRetry       = 30 * time.Second
	deliveryMaxRetry         = 6 * time.Hour
	unreachableAfterFailures = 10
	unreachableAfterWindow   = 12 * time.Hour
)

// outgoing is an activity a group sends.
type outgoing struct {
	IRI       string
	Type      string
	ObjectIRI string
	Body      []byte
	Public    bool // listed in the public outbox
}

// deliverArgs is one POST of one stored activity to one inbox.
type deliverArgs struct {
	ActivityID string `json:"activity_id"`
	Inbox      string `json:"inbox"`
}

func (deliverArgs) Kind() string { return "deliver" }

func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDelivery, MaxAttempts: deliveryMaxAttempts}
}

// send stores act in the group's outbox and queues one delivery per inbox,
// all inside tx: the activity and its deliveries exist together or not at all.
func (e *Engine) send(ctx context.Context, tx bun.Tx, g *storage.Group, act outgoing, inboxes []string) error {
	oa := &storage.OutboxActivity{GroupID: g.ID, IRI: act.IRI, Type: act.Type, ObjectIRI: act.ObjectIRI, Public: act.Public, Body: string(act.Body)}
	if err := storage.CreateOutboxActivity(ctx, tx, oa); err != nil {
		return err
	}
	// Answers to one person (Accept, Reject of a follow) go before the
	// bulk of a fan-out, so a newcomer is not kept waiting behind it.
	opts := &river.InsertOpts{Queue: queueDelivery, MaxAttempts: deliveryMaxAttempts, Priority: 2}
	if len(inboxes) <= 2 {
		opts.Priority = 1
	}
	seen := map[string]bool{}
	var params []river.InsertManyParams
	for _, inbox := range inboxes {
		if inbox == "" || seen[inbox] || e.iri.Owns(inbox) {
			continue
		}
		seen[inbox] = true
		params = append(params, river.InsertManyParams{Args: deliverArgs{ActivityID: oa.ID, Inbox: inbox}, InsertOpts: opts})
	}
	return e.q.InsertManyTx(ctx, tx, params)
}

// publish sends act to every member of the group (one POST per shared
// inbox) and to the extra inboxes.
func (e *Engine) publish(ctx context.Context, tx bun.Tx, g *storage.Group, act outgoing, extra ...string) error {
	inboxes, err := storage.MemberInboxes(ctx, tx, g.ID)
	if err != nil {
		return err
	}
	return e.send(ctx, tx, g, act, append(inboxes, extra...))
}

// deliverWorker signs and POSTs one activity to one inbox.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	e     *Engine
	cache sendCache
}

// sendCache keeps, for a few seconds, what every delivery of one activity
// needs: its body and the group's parsed signing key. A fan-out to a
// thousand servers then reads the activity and the group and parses the
// key once instead of a thousand times (parsing an RSA key costs a third
// of a signature; see docs/performance.md). Only first attempts use it: a
// retry reads the database again, so an activity deleted meanwhile is
// not delivered. It holds at most sendCacheMax activities.
type sendCache struct {
	mu sync.Mutex
	m  map[string]cachedSend
}

type cachedSend struct {
	iri   string
	body  []byte
	key   httpsig.Key
	until time.Time
}

const (
	sendCacheTTL = 10 * time.Second
	sendCacheMax = 256
)

func (c *sendCache) get(id string, now time.Time) (cachedSend, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs, ok := c.m[id]
	if !ok || now.After(cs.until) {
		return cachedSend{}, false
	}
	return cs, true
}

func (c *sendCache) put(id string, cs cachedSend) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedSend{}
	}
	if len(c.m) >= sendCacheMax {
		for k, v := range c.m {
			if time.Now().After(v.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= sendCacheMax {
			clear(c.m)
		}
	}
	c.m[id] = cs
}

// load returns the activity's IRI and body and the key to sign it with.
func (w *deliverWorker) load(ctx context.Context, job *river.Job[deliverArgs]) (cachedSend, error) {
	now := time.Now() // wall time: the cache must expire even under a test clock
	if job.Attempt <= 1 {
		if cs, ok := w.cache.get(job.Args.ActivityID, now); ok {
			return cs, nil
		}
	}
	e := w.e
	act, err := storage.OutboxActivityByID(ctx, e.db, job.Args.ActivityID)
	if errors.Is(err, storage.ErrNotFound) {
		return cachedSend{}, river.JobCancel(fmt.Errorf("activity %s no longer exists", job.Args.ActivityID))
	}
	if err != nil {
		return cachedSend{}, err
	}
	g, err := storage.GroupByID(ctx, e.db, act.GroupID)
	if errors.Is(err, storage.ErrNotFound) {
		return cachedSend{}, river.JobCancel(fmt.Errorf("group %s no longer exists", act.GroupID))
	}
	if err != nil {
		return cachedSend{}, err
	}
	key, err := e.groupKey(g)
	if err != nil {
		return cachedSend{}, river.JobCancel(err)
	}
	cs := cachedSend{iri: act.IRI, body: []byte(act.Body), key: key, until: now.Add(sendCacheTTL)}
	w.cache.put(job.Args.ActivityID, cs)
	return cs, nil
}

func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return time.Minute }

// Work delivers. A 4xx other than 408/429 will never succeed: the job is
// cancelled at once. Other failures are retried on the schedule above.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	e := w.e
	host := hostOf(job.Args.Inbox)
	if !e.hosts.tryAcquire(host) {
		// The server already has its share of our workers: try again soon,
		// without counting it as a failure.
		return river.JobSnooze(time.Second + rand.N(time.Second))
	}
	defer e.hosts.release(host)

	act, err := w.load(ctx, job)
	if err != nil {
		return err
	}
	err = e.client.Post(ctx, job.Args.Inbox, act.body, act.key)
	now := e.now()
	if err == nil {
		if err := storage.RecordDeliverySuccess(ctx, e.db, host, now); err != nil {
			e.log.WarnContext(ctx, "record delivery", "host", host, "err", err)
		}
		return nil
	}
	var se *transport.StatusError
	permanent := errors.As(err, &se) && se.Permanent() ||
		errors.Is(err, transport.ErrInvalidURL) || errors.Is(err, transport.ErrForbiddenAddress)
	if _, ferr := storage.RecordDeliveryFailure(ctx, e.db, host, err.Error(), now, unreachableAfterFailures, unreachableAfterWindow); ferr != nil {
		e.log.WarnContext(ctx, "record delivery failure", "host", host, "err", ferr)
	}
	e.log.InfoContext(ctx, "delivery failed", "inbox", job.Args.Inbox, "activity", act.iri, "attempt", job.Attempt, "permanent", permanent, "err", err)
	if permanent {
		return river.JobCancel(fmt.Errorf("deliver %s to %s: %w", act.iri, job.Args.Inbox, err))
	}
	return fmt.Errorf("deliver %s to %s: %w", act.iri, job.Args.Inbox, err)
}

// NextRetry doubles the wait from 30 s up to 6 h; an unreachable server
// waits the full 6 h. Jitter spreads the retries of a fan-out. River needs
// a time on its own clock, so this is wall time, not the engine's clock.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	unreachable := false
	if s, err := storage.ServerByHost(context.Background(), w.e.db, hostOf(job.Args.Inbox)); err == nil {
		unreachable = s.Unreachable()
	}
	return time.Now().Add(w.e.retryDelay(job.Attempt, unreachable))
}

// DeliveryRetryDelay is the default wait after the attempt-th failed
// delivery, with up to 10% jitter.
func DeliveryRetryDelay(attempt int, unreachable bool) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	wait := deliveryMaxRetry
	if !unreachable && attempt <= 20 {
		wait = min(deliveryFirstRetry<<(attempt-1), deliveryMaxRetry)
	}
	return wait + rand.N(wait/10+1)
}

// hostOf returns the host[:port] of an IRI, or "" if it has none.
func hostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return u.Host
}
