package main

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// delivery is what the sink keeps of one verified POST to a fake inbox.
type delivery struct {
	Host        string // the fake server that received it (host:port)
	Path        string // "/inbox" (shared) or an actor's inbox
	ID          string // activity id
	Type        string
	Actor       string
	Signer      string // owner of the key that verified
	ObjectID    string // object id, embedded or a bare IRI
	ObjectType  string // "" when the object is a bare IRI
	InnerID     string // object.object id (Announce{Create{Note}}), if any
	ObjectActor string // object.actor (Accept{Follow}), if any
	At          time.Time
}

// hostStats is what one fake server received.
type hostStats struct {
	Count       int
	Duplicates  int // deliveries whose activity id this host had seen already
	First, Last time.Time
	ids         map[string]int
}

// arrival is the first delivery to a host that referenced an object.
type arrival struct {
	At    time.Time
	Last  time.Time      // the latest delivery referencing the object
	Kinds map[string]int // "Announce(iri)", "Announce(Create)" ... → deliveries
}

// sink records deliveries from the node to every fake server: counts per
// host, first and last arrival, duplicates by activity id, and indexes
// for the scenarios (Accepts by follow id and follower, Announces by the
// objects they reference). Waiters are woken on every change.
type sink struct {
	mu       sync.Mutex
	hosts    map[string]*hostStats
	byType   map[string]int
	rejected map[string]int                 // reason → count
	accepted map[string]time.Time           // follow id or follower IRI → first Accept
	refs     map[string]map[string]*arrival // referenced id → host → arrival
	// withKinds counts, per referenced id, the hosts that got k distinct
	// kinds of Announce (index k): waiting on a fan-out checks it in O(1)
	// per delivery instead of walking every host (which, at thousands of
	// deliveries, took more CPU than the node under test).
	withKinds map[string][]int
	total     int
	changed   chan struct{}
}

func newSink() *sink {
	return &sink{
		hosts:    map[string]*hostStats{},
		byType:   map[string]int{},
		rejected: map[string]int{},
		accepted: map[string]time.Time{},
		refs:     map[string]map[string]*arrival{},

		withKinds: map[string][]int{},
		changed:   make(chan struct{}),
	}
}

// record stores a verified delivery and reports whether its activity id
// had already reached this host.
func (s *sink) record(d delivery) (dup bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[d.Host]
	if h == nil {
		h = &hostStats{First: d.At, ids: map[string]int{}}
		s.hosts[d.Host] = h
	}
	h.Count++
	h.Last = d.At
	if d.ID != "" {
		h.ids[d.ID]++
		if h.ids[d.ID] > 1 {
			h.Duplicates++
			dup = true
		}
	}
	s.total++
	s.byType[d.Type]++
	switch d.Type {
	case "Accept":
		for _, k := range []string{d.ObjectID, d.ObjectActor} {
			if _, seen := s.accepted[k]; k != "" && !seen {
				s.accepted[k] = d.At
			}
		}
	case "Announce":
		kind := "Announce(iri)"
		if d.ObjectType != "" {
			kind = "Announce(" + d.ObjectType + ")"
		}
		for _, ref := range []string{d.ObjectID, d.InnerID} {
			if ref == "" {
				continue
			}
			byHost := s.refs[ref]
			if byHost == nil {
				byHost = map[string]*arrival{}
				s.refs[ref] = byHost
			}
			a := byHost[d.Host]
			if a == nil {
				a = &arrival{At: d.At, Kinds: map[string]int{}}
				byHost[d.Host] = a
			}
			a.Kinds[kind]++
			a.Last = d.At
			if k := len(a.Kinds); a.Kinds[kind] == 1 {
				counts := s.withKinds[ref]
				for len(counts) <= k {
					counts = append(counts, 0)
				}
				counts[k]++
				s.withKinds[ref] = counts
			}
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return dup
}

// reject counts a refused delivery by reason.
func (s *sink) reject(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[reason]++
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called without the sink's lock held) is true or
// ctx ends; it wakes on every delivery, never polls.
func (s *sink) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// acceptedAt returns when the first Accept naming key (a follow id or a
// follower IRI) arrived.
func (s *sink) acceptedAt(key string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.accepted[key]
	return t, ok
}

// arrivals returns, per host, the first Announce that referenced id.
func (s *sink) arrivals(id string) map[string]arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]arrival, len(s.refs[id]))
	for h, a := range s.refs[id] {
		out[h] = arrival{At: a.At, Last: a.Last, Kinds: maps.Clone(a.Kinds)}
	}
	return out
}

// hostsWithKinds returns how many hosts got at least kinds distinct
// kinds of Announce referencing id.
func (s *sink) hostsWithKinds(id string, kinds int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := s.withKinds[id]
	if kinds < 1 {
		kinds = 1
	}
	if kinds >= len(counts) {
		return 0
	}
	return counts[kinds]
}

// sinkTotals is a snapshot of the sink's counters.
type sinkTotals struct {
	Deliveries int
	Duplicates int
	Hosts      int
	ByType     map[string]int
	Rejected   map[string]int
}

func (s *sink) totals() sinkTotals {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := sinkTotals{Deliveries: s.total, Hosts: len(s.hosts), ByType: maps.Clone(s.byType), Rejected: maps.Clone(s.rejected)}
	for _, h := range s.hosts {
		t.Duplicates += h.Duplicates
	}
	return t
}

// host returns a copy of one host's counters.
func (s *sink) host(h string) (hostStats, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.hosts[h]
	if !ok {
		return hostStats{}, false
	}
	c := *st
	c.ids = nil
	return c, true
}

// countsString renders a map as "a×1 b×2", keys sorted.
func countsString(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var out []byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, k...)
		out = append(out, "×"...)
		out = strconv.AppendInt(out, int64(m[k]), 10)
	}
	return string(out)
}
