package software

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// Freshness of what is known: NodeInfo is read again after checkEvery;
// the in-memory table of families is read again from the database after
// familiesTTL (another process may have checked a server meanwhile).
const (
	checkEvery  = 24 * time.Hour
	familiesTTL = time.Minute
	checkBatch  = 200 // servers queued for a check per hourly run
	seenSize    = 8192
)

// Servers knows each remote server's software family.
type Servers struct {
	*node.Node
	mu       sync.Mutex
	families map[string]Family // host → family; replaced, never changed
	loadedAt time.Time         // wall time
	seen     *expirable.LRU[string, struct{}]
}

// New builds the servers' software table.
func New(n *node.Node) *Servers {
	return &Servers{Node: n, seen: expirable.NewLRU[string, struct{}](seenSize, nil, time.Hour)}
}

// Families returns every known server's family, by host; a host not in
// it is Unknown. The map is shared: callers only read it.
func (s *Servers) Families(ctx context.Context) (map[string]Family, error) {
	s.mu.Lock()
	fams, at := s.families, s.loadedAt
	s.mu.Unlock()
	now := time.Now() // wall time: the table must expire under a test clock too
	if fams != nil && now.Sub(at) < familiesTTL {
		return fams, nil
	}
	rows, err := storage.ListServerSoftware(ctx, s.Reads)
	if err != nil {
		return nil, err
	}
	fams = make(map[string]Family, len(rows))
	for _, r := range rows {
		if f := FamilyOf(r.Name); f != Unknown {
			fams[r.Host] = f
		}
	}
	s.mu.Lock()
	s.families, s.loadedAt = fams, now
	s.mu.Unlock()
	return fams, nil
}

// forget makes the next Families read the database (a check finished).
func (s *Servers) forget() {
	s.mu.Lock()
	s.families = nil
	s.mu.Unlock()
}

// Seen queues a NodeInfo check of a server the node has just heard of
// (an actor of it was stored), unless one ran or was queued lately.
func (s *Servers) Seen(ctx context.Context, host string) {
	if host == "" || s.Queue == nil {
		return
	}
	if _, ok := s.seen.Get(host); ok {
		return
	}
	if fams, err := s.Families(ctx); err == nil {
		if _, known := fams[host]; known {
			s.seen.Add(host, struct{}{})
			return
		}
	}
	if err := s.Queue.Insert(ctx, checkArgs{Host: host}, nil); err != nil {
		s.Log.WarnContext(ctx, "queue NodeInfo check", "host", host, "err", err)
		return
	}
	s.seen.Add(host, struct{}{})
}

// Check reads host's NodeInfo now and records what it says (or why it
// could not be read).
func (s *Servers) Check(ctx context.Context, host string) error {
	info, err := Fetch(ctx, s.Client, host)
	row := storage.ServerSoftware{Host: host, Name: info.Name, Version: info.Version, CheckedAt: s.Now()}
	if err != nil {
		row.Error = err.Error()
		s.Log.InfoContext(ctx, "NodeInfo check failed", "host", host, "err", err)
	}
	if err := storage.RecordServerSoftware(ctx, s.DB, row); err != nil {
		return err
	}
	s.forget()
	return nil
}

// AddWorkers registers the check of one server and the hourly job that
// queues the checks of servers not checked for a day.
func (s *Servers) AddWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &checkWorker{s: s})
	river.AddWorker(workers, &refreshWorker{s: s})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return refreshArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
}

// checkArgs is one server's NodeInfo check. A host has at most one
// check waiting or running: another queued meanwhile is skipped.
type checkArgs struct {
	Host string `json:"host"`
}

func (checkArgs) Kind() string { return "check_server_software" }

func (checkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type checkWorker struct {
	river.WorkerDefaults[checkArgs]
	s *Servers
}

func (w *checkWorker) Timeout(*river.Job[checkArgs]) time.Duration { return time.Minute }

func (w *checkWorker) Work(ctx context.Context, job *river.Job[checkArgs]) error {
	return w.s.Check(ctx, job.Args.Host)
}

// refreshArgs queues the checks of servers never checked or not for a day.
type refreshArgs struct{}

func (refreshArgs) Kind() string { return "refresh_server_software" }

type refreshWorker struct {
	river.WorkerDefaults[refreshArgs]
	s *Servers
}

func (w *refreshWorker) Work(ctx context.Context, _ *river.Job[refreshArgs]) error {
	return w.s.QueueStale(ctx)
}

// QueueStale queues a NodeInfo check of up to checkBatch servers never
// checked or not checked for a day (the hourly job does it).
func (s *Servers) QueueStale(ctx context.Context) error {
	hosts, err := storage.HostsToCheck(ctx, s.DB, s.Now().Add(-checkEvery), checkBatch)
	if err != nil {
		return err
	}
	// One by one: a check of the same host already queued (Seen) is then
	// skipped, where a batch insert would fail as a whole.
	for _, h := range hosts {
		if err := s.Queue.Insert(ctx, checkArgs{Host: h}, nil); err != nil {
			return err
		}
	}
	return nil
}
