package outbox

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/httpsig"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/software"
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

// deliverArgs is one POST of one stored activity to one inbox: an answer
// to one person, or the retry of one inbox of a fan-out. Retried counts
// the attempts made before this job (by a fan-out), so the retry schedule
// goes on where the fan-out left it.
type deliverArgs struct {
	ActivityID string `json:"activity_id"`
	Inbox      string `json:"inbox"`
	Retried    int    `json:"retried,omitempty"`
	// Shape is the activity's (shapes.go): the inbox's server may have
	// become known, as one that does not use it, while the job waited.
	Shape software.Shape `json:"shape,omitempty"`
}

func (deliverArgs) Kind() string { return "deliver" }

func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: node.QueueDelivery, MaxAttempts: deliveryMaxAttempts}
}

// fanoutArgs is the first attempt of one activity to many inboxes. A
// fan-out to a thousand servers is a few dozen of these jobs instead of a
// thousand: the queue's per-job writes (insert, fetch, completion) and the
// server-health writes are made once per batch, which is what kept
// fan-outs at several times the cost of signing (docs/performance.md).
// Every inbox that fails becomes a deliverArgs job of its own, so retries
// stay per server.
//
// A fan-out to the group's members names its inboxes by shard instead of
// listing them: the job takes the member inboxes (and Extra) whose
// fanoutShard is Shard of Shards, read when it runs. Listing 50 inboxes
// in every job made the queue's insert, in the transaction of the
// activity that caused it, the largest cost of processing an inbox burst
// on SQLite. A member who joins or leaves while the job waits is
// delivered to, or not, as the member list says when it runs.
type fanoutArgs struct {
	ActivityID string   `json:"activity_id"`
	Shard      int      `json:"shard,omitempty"`
	Shards     int      `json:"shards,omitempty"` // the members' inboxes, by shard
	Extra      []string `json:"extra,omitempty"`  // inboxes besides the members'
	// Shape is the activity's: the job delivers to the servers that use
	// it (shapes.go), read, like the members, when it runs.
	Shape software.Shape `json:"shape,omitempty"`
}

func (fanoutArgs) Kind() string { return "fanout" }

func (fanoutArgs) InsertOpts() river.InsertOpts {
	// One attempt more than none: a crash or a database error while
	// recording the results runs the batch again (receivers deduplicate by
	// activity id); after that its inboxes are retried one by one.
	return river.InsertOpts{Queue: node.QueueFanout, MaxAttempts: 3}
}

// Fan-out sizes: fanoutBatch inboxes per job, fanoutParallel POSTs at once
// per job; with fanoutWorkers jobs at once a process has up to 64 POSTs in
// flight, enough to keep two cores signing on loopback and to hide the
// latency of real servers. A crash re-sends at most the batches in flight.
const (
	fanoutBatch    = 50
	fanoutParallel = 16
	fanoutWorkers  = 4
	// fanoutHostWait is how long a batch waits for a server that already
	// has its share of our connections before handing the inbox to a job
	// of its own: busy servers are common when many fan-outs run at once,
	// and a job per inbox costs more than a short wait.
	fanoutHostWait = 5 * time.Second
)

// answers are the deliveries to one or two inboxes (an Accept, a Reject,
// a DM): each a job of its own, ahead of the bulk of fan-outs, so a
// newcomer is not kept waiting.
func (e *Outbox) answers(activityID string, shape software.Shape, inboxes []string) []river.InsertManyParams {
	opts := &river.InsertOpts{Queue: node.QueueDelivery, MaxAttempts: deliveryMaxAttempts, Priority: 1}
	params := make([]river.InsertManyParams, len(inboxes))
	for i, inbox := range inboxes {
		params[i] = river.InsertManyParams{Args: deliverArgs{ActivityID: activityID, Inbox: inbox, Shape: shape}, InsertOpts: opts}
	}
	return params
}

// Targets lists the inboxes to deliver to, each once, leaving out empty
// ones and this node's own.
func (e *Outbox) Targets(inboxes []string) []string {
	seen := make(map[string]bool, len(inboxes))
	var out []string
	for _, inbox := range inboxes {
		if inbox == "" || seen[inbox] || e.IRI.Owns(inbox) {
			continue
		}
		seen[inbox] = true
		out = append(out, inbox)
	}
	return out
}

// withExtra is members (the members' inboxes as MemberInboxes gives them,
// each once) and the extra inboxes that are not among them. It leaves
// members, which the member cache shares, as it is.
func withExtra(members, extra []string) []string {
	var more []string
	for _, inbox := range extra {
		if !slices.Contains(members, inbox) {
			more = append(more, inbox)
		}
	}
	if len(more) == 0 {
		return members
	}
	return slices.Concat(members, more)
}

// fanoutShard places an inbox in one of n shards. It must never change:
// jobs queued by one version of Kith are run by the next.
func fanoutShard(inbox string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(inbox))
	return int(h.Sum32() % uint32(n))
}

// fanoutInboxes lists the inboxes of a fan-out job: its shard of the
// group's members and extras. A job without shards was queued by a version
// that listed the inboxes in the job (before shards; nothing queues one
// now): it is cancelled, not run.
func (e *Outbox) fanoutInboxes(ctx context.Context, args fanoutArgs, groupID string) ([]string, error) {
	if args.Shards <= 0 {
		return nil, river.JobCancel(fmt.Errorf("fan-out of activity %s names no shard (an explicit inbox list is no longer supported)", args.ActivityID))
	}
	members, err := e.MemberInboxes(ctx, e.Reads, groupID)
	if err != nil {
		return nil, err
	}
	all, err := e.forShape(ctx, withExtra(members, e.Targets(args.Extra)), args.Shape)
	if err != nil {
		return nil, err
	}
	var mine []string
	for _, inbox := range all {
		if fanoutShard(inbox, args.Shards) == args.Shard {
			mine = append(mine, inbox)
		}
	}
	return mine, nil
}

// sendCache keeps, for a few seconds, what every delivery of one activity
// needs: its body and the group's parsed signing key. A fan-out to a
// thousand servers then reads the activity and the group and parses the
// key once per process instead of once per batch or inbox (parsing an
// RSA key costs a third of a signature; see docs/performance.md). Only
// first attempts use it: a retry reads the database again, so an activity
// deleted meanwhile is not delivered. It holds at most sendCacheMax
// activities.
type sendCache struct {
	mu sync.Mutex
	m  map[string]cachedSend
}

type cachedSend struct {
	iri   string
	group string // its id
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

// loadSend returns the activity's IRI and body and the key to sign it
// with, from the cache when cached is true.
func (e *Outbox) loadSend(ctx context.Context, activityID string, cached bool) (cachedSend, error) {
	now := time.Now() // wall time: the cache must expire even under a test clock
	if cached {
		if cs, ok := e.sends.get(activityID, now); ok {
			return cs, nil
		}
	}
	act, err := storage.OutboxActivityByID(ctx, e.Reads, activityID)
	if errors.Is(err, storage.ErrNotFound) {
		return cachedSend{}, river.JobCancel(fmt.Errorf("activity %s no longer exists", activityID))
	}
	if err != nil {
		return cachedSend{}, err
	}
	g, err := storage.GroupByID(ctx, e.Reads, act.GroupID)
	if errors.Is(err, storage.ErrNotFound) {
		return cachedSend{}, river.JobCancel(fmt.Errorf("group %s no longer exists", act.GroupID))
	}
	if err != nil {
		return cachedSend{}, err
	}
	key, err := e.GroupKey(g)
	if err != nil {
		return cachedSend{}, river.JobCancel(err)
	}
	cs := cachedSend{iri: act.IRI, group: g.ID, body: []byte(act.Body), key: key, until: now.Add(sendCacheTTL)}
	e.sends.put(activityID, cs)
	return cs, nil
}

// isPermanent tells whether a failed delivery can never succeed: a 4xx
// other than 408/429, or an inbox URL that is invalid or forbidden.
func isPermanent(err error) bool {
	var se *transport.StatusError
	return errors.As(err, &se) && se.Permanent() ||
		errors.Is(err, transport.ErrInvalidURL) || errors.Is(err, transport.ErrForbiddenAddress)
}

// recordFailure counts a failed delivery against the server's health and
// logs it; it returns the server's health (nil if it could not be read).
func (e *Outbox) recordFailure(ctx context.Context, inbox, activity string, attempt int, err error) *storage.Server {
	host := node.HostOf(inbox)
	e.alive.Remove(host) // hearing from it again must clear what this marks
	s, ferr := storage.RecordDeliveryFailure(ctx, e.DB, host, err.Error(), e.Now(), unreachableAfterFailures, unreachableAfterWindow)
	if ferr != nil {
		e.Log.WarnContext(ctx, "record delivery failure", "host", host, "err", ferr)
	}
	e.Log.InfoContext(ctx, "delivery failed", "inbox", inbox, "activity", activity, "attempt", attempt, "permanent", isPermanent(err), "err", err)
	return s
}

// fanoutWorker makes the first attempt of a batch of deliveries.
type fanoutWorker struct {
	river.WorkerDefaults[fanoutArgs]
	e *Outbox
}

// Timeout leaves room for a few rounds of slow servers (each POST has the
// transport's own timeout); inboxes not tried by then are retried alone.
func (w *fanoutWorker) Timeout(*river.Job[fanoutArgs]) time.Duration { return 90 * time.Second }

// Work POSTs to every inbox of the batch, fanoutParallel at a time, then
// records the results in one transaction: the servers reached, and a
// deliverArgs job for every inbox that failed (on the retry schedule) or
// whose server already had its share of our connections (at once).
func (w *fanoutWorker) Work(ctx context.Context, job *river.Job[fanoutArgs]) error {
	e := w.e
	if job.Attempt > 1 {
		// Run again: after a failure, or because the process died before
		// the queue recorded that the batch was done. The second needs
		// nothing more.
		if done, err := storage.IsFanoutDone(ctx, e.DB, job.ID); err != nil || done {
			return err
		}
	}
	cs, err := e.loadSend(ctx, job.Args.ActivityID, true)
	if err != nil {
		return err
	}
	inboxes, err := e.fanoutInboxes(ctx, job.Args, cs.group)
	if err != nil {
		return err
	}
	results := make([]error, len(inboxes))
	busy := make([]bool, len(inboxes))
	slots := make(chan struct{}, fanoutParallel)
	var wg sync.WaitGroup
	for i, inbox := range inboxes {
		if ctx.Err() != nil {
			busy[i] = true // not tried: the job's time ran out
			continue
		}
		slots <- struct{}{}
		host := node.HostOf(inbox)
		if !e.hosts.acquire(ctx, host, fanoutHostWait) {
			busy[i] = true
			<-slots
			continue
		}
		wg.Go(func() {
			defer func() { e.hosts.release(host); <-slots }()
			results[i] = e.Client.Post(transport.Background(ctx), inbox, cs.body, cs.key)
		})
	}
	wg.Wait()
	// The results are recorded even when the job's time ran out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var reached []string
	var later []river.InsertManyParams
	for i, inbox := range inboxes {
		switch err := results[i]; {
		case busy[i]:
			later = append(later, river.InsertManyParams{Args: deliverArgs{ActivityID: job.Args.ActivityID, Inbox: inbox}})
		case err == nil:
			reached = append(reached, node.HostOf(inbox))
			e.observeDelivery(nil, nil, false)
		default:
			s := e.recordFailure(ctx, inbox, cs.iri, 1, err)
			e.observeDelivery(err, s, false)
			if isPermanent(err) {
				continue
			}
			unreachable := s != nil && s.Unreachable()
			later = append(later, river.InsertManyParams{
				Args: deliverArgs{ActivityID: job.Args.ActivityID, Inbox: inbox, Retried: 1},
				InsertOpts: &river.InsertOpts{
					Queue: node.QueueDelivery, MaxAttempts: deliveryMaxAttempts - 1,
					ScheduledAt: time.Now().Add(e.retryDelay(1, unreachable)),
				},
			})
		}
	}
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.RecordDeliverySuccesses(ctx, tx, reached, e.Now()); err != nil {
			return err
		}
		if err := storage.MarkFanoutDone(ctx, tx, job.ID, time.Now()); err != nil {
			return err
		}
		return e.Queue.InsertManyTx(ctx, tx, later)
	})
}

// deliverWorker signs and POSTs one activity to one inbox.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	e *Outbox
}

func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return time.Minute }

// Work delivers. A 4xx other than 408/429 will never succeed: the job is
// cancelled at once. Other failures are retried on the schedule below.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	e := w.e
	host := node.HostOf(job.Args.Inbox)
	if !e.hosts.tryAcquire(host) {
		// The server already has its share of our workers: try again soon,
		// without counting it as a failure.
		return river.JobSnooze(time.Second + rand.N(time.Second))
	}
	defer e.hosts.release(host)
	if wanted, err := e.forShape(ctx, []string{job.Args.Inbox}, job.Args.Shape); err != nil || len(wanted) == 0 {
		return err // nil: the server does not use this shape
	}

	act, err := e.loadSend(ctx, job.Args.ActivityID, job.Attempt+job.Args.Retried <= 1)
	if err != nil {
		return err
	}
	err = e.Client.Post(ctx, job.Args.Inbox, act.body, act.key)
	if err == nil {
		e.observeDelivery(nil, nil, false)
		if err := storage.RecordDeliverySuccess(ctx, e.DB, host, e.Now()); err != nil {
			e.Log.WarnContext(ctx, "record delivery", "host", host, "err", err)
		}
		return nil
	}
	s := e.recordFailure(ctx, job.Args.Inbox, act.iri, job.Attempt+job.Args.Retried, err)
	e.observeDelivery(err, s, job.Attempt >= job.MaxAttempts)
	if isPermanent(err) {
		return river.JobCancel(fmt.Errorf("deliver %s to %s: %w", act.iri, job.Args.Inbox, err))
	}
	return fmt.Errorf("deliver %s to %s: %w", act.iri, job.Args.Inbox, err)
}

// NextRetry doubles the wait from 30 s up to 6 h; an unreachable server
// waits the full 6 h. Jitter spreads the retries of a fan-out. River needs
// a time on its own clock, so this is wall time, not the node's clock.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	unreachable := false
	if s, err := storage.ServerByHost(context.Background(), w.e.DB, node.HostOf(job.Args.Inbox)); err == nil {
		unreachable = s.Unreachable()
	}
	return time.Now().Add(w.e.retryDelay(job.Attempt+job.Args.Retried, unreachable))
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
