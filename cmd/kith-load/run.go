package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"time"
)

// run is one execution of the tool: the node, the group, and (except for
// pages) the fake fleet and its sink.
type run struct {
	cfg     config
	log     *slog.Logger
	node    nodeTarget
	metrics *url.URL     // the node's metrics listener
	client  *http.Client // from 127.0.0.1: discovery and direct GETs
	group   groupInfo
	cores   int
	ids     *idGen
	tbl     *table

	keys  *keyPool
	sink  *sink
	fleet *fleet
	cost  rsaCost
}

// execute runs cfg.Scenario and prints the table, even when the scenario
// fails half way.
func execute(ctx context.Context, cfg config, out io.Writer, log *slog.Logger) (err error) {
	base, err := checkURL(cfg.Node)
	if err != nil {
		return err
	}
	metricsURL, err := checkURL(cfg.Metrics)
	if err != nil {
		return err
	}
	// A hard bound on the whole run, whatever happens: setup wait, the
	// scenario's duration and its wait, every post of a fan-out (each
	// retried up to -timeout), and a minute of slack.
	ctx, cancel := context.WithTimeout(ctx, 2*cfg.Timeout+cfg.Duration+cfg.Settle+time.Duration(cfg.Posts)*(cfg.PostEvery+cfg.Timeout)+time.Minute)
	defer cancel()

	r := &run{
		cfg: cfg, log: log, node: nodeTarget{base: base, domain: base.Host}, metrics: metricsURL,
		client: newClient(netip.Addr{}, cfg.Timeout, cfg.Concurrency),
		cores:  runtime.NumCPU(), ids: newIDGen(), tbl: &table{},
	}
	defer func() {
		if werr := r.tbl.write(out); werr != nil && err == nil {
			err = werr
		}
	}()
	r.group, err = discoverGroup(ctx, r.client, r.node, cfg.Group)
	if err != nil {
		return err
	}
	r.node.domain = domainOf(r.group.ID)
	r.tbl.section("run")
	r.tbl.add("scenario", cfg.Scenario, "")
	r.tbl.add("node", base.String(), "IRIs on "+r.node.domain)
	groupNote := "from the group's actor document"
	if !r.group.FromDoc {
		groupNote = "ASSUMED from the federation/iri layout: the node did not serve the actor as JSON"
	}
	r.tbl.add("group", r.group.ID, groupNote)
	r.tbl.add("inboxes", r.group.Inbox+" "+r.group.SharedInbox, "-inbox "+cfg.Inbox)
	r.tbl.addf("cores", "GOMAXPROCS "+fmt.Sprint(runtime.GOMAXPROCS(0))+"; the node shares them when on this machine", "%d", r.cores)

	if cfg.Scenario == "pages" {
		return r.pages(ctx)
	}
	if err := r.startFleet(ctx); err != nil {
		return err
	}
	defer r.fleet.close()
	accepted, ferr := r.follow(ctx)
	if (ferr != nil && !errors.Is(ferr, errIncomplete)) || cfg.Scenario == "follow" {
		return ferr
	}
	if len(accepted) == 0 {
		return fmt.Errorf("no member was accepted within -timeout %s: nothing to %s: %w", cfg.Timeout, cfg.Scenario, ferr)
	}
	// Missing Accepts do not stop the scenario: it runs with the members
	// that were accepted, and the run still ends as incomplete.
	switch cfg.Scenario {
	case "fanout":
		err = r.fanout(ctx, accepted)
	case "inbox":
		err = r.inbox(ctx, accepted)
	case "junk":
		err = r.junk(ctx, accepted)
	default:
		err = fmt.Errorf("%w: unknown scenario %q", errUsage, cfg.Scenario)
	}
	return errors.Join(ferr, err)
}

// startFleet makes the keys, measures RSA and starts the fake servers.
func (r *run) startFleet(ctx context.Context) error {
	var err error
	if r.keys, err = loadKeyPool(ctx, r.cfg.KeyFile, min(r.cfg.Keys, r.cfg.Members+r.cfg.Servers)); err != nil {
		return err
	}
	r.tbl.addf("key pool", fmt.Sprintf("%d read from -key-file, the rest generated, in %s on %d cores; shared round-robin by %d actors and %d instance actors: keys are looked up by keyId, so sharing is harmless",
		r.keys.loaded, fmtDur(r.keys.took), r.cores, r.cfg.Members, r.cfg.Servers), "%d RSA-2048 keys", r.keys.len())
	k, _ := r.keys.key(0)
	if r.cost, err = measureRSA(k); err != nil {
		return err
	}
	r.tbl.add("RSA-2048 sign", fmtDur(r.cost.Sign), "one core, median; what each signed POST costs its sender")
	r.tbl.add("RSA-2048 verify", fmtDur(r.cost.Verify), "one core, median; what each signed POST costs its receiver")
	r.sink = newSink()
	r.fleet, err = startFleet(ctx, fleetConfig{
		Servers: r.cfg.Servers, Members: r.cfg.Members, Port: r.cfg.Port,
		Keys: r.keys, Sink: r.sink, Node: r.node, Timeout: r.cfg.Timeout, Log: r.log, Software: r.cfg.Software,
	})
	if err != nil {
		return err
	}
	first, last := r.fleet.servers[0].host, r.fleet.servers[len(r.fleet.servers)-1].host
	note := "one loopback IP per server; members spread round-robin"
	if r.fleet.PortMode {
		note = "this system binds only 127.0.0.1: one port per server instead"
	}
	if r.fleet.Short != "" {
		note += "; " + r.fleet.Short
	}
	r.tbl.addf("fake servers", note, "%d (%s … %s)", len(r.fleet.servers), first, last)
	r.tbl.addf("members", "e.g. "+r.fleet.actor(0).id(), "%d", r.cfg.Members)
	return nil
}

// event appends a time-stamped line to -events, for scripts that act on
// the node at a given phase (the kill -9 fault kills it during fan-out).
func (r *run) event(what string) {
	if r.cfg.Events == "" {
		return
	}
	f, err := os.OpenFile(r.cfg.Events, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		r.log.Warn("events file", "err", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s\n", time.Now().Format("15:04:05.000"), what)
}

// waitCtx is ctx bounded by d.
func waitCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// timedOut tells whether err is the end of a bounded wait rather than a
// failure.
func timedOut(err error) bool {
	return errors.Is(err, context.DeadlineExceeded)
}

// forEach runs fn(i) for i in [0, n) on at most conc goroutines and stops
// early when ctx ends.
func forEach(ctx context.Context, n, conc int, fn func(i int)) {
	next := make(chan int)
	done := make(chan struct{})
	for range min(n, conc) {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	for range min(n, conc) {
		<-done
	}
}
