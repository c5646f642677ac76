package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/federation/metrics"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web"
)

// shutdownGrace is how long running requests and jobs get to finish on
// SIGINT/SIGTERM; jobs still running then are cancelled and retried later.
const shutdownGrace = 25 * time.Second

func cmdServe(ctx context.Context, args []string, e env) error {
	fs, cf := newFlagSet("serve", e)
	cfg, err := parse(fs, cf, args, e)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	log := newLogger(cfg, e.stderr)
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	reads, err := storage.OpenReadPool(ctx, cfg.DatabaseURL, cfg.Data)
	if err != nil {
		return err
	}
	if reads != nil {
		defer reads.Close()
		ckCtx, stopCheckpoints := context.WithCancel(context.WithoutCancel(ctx))
		defer stopCheckpoints()
		go checkpointEvery(ckCtx, reads, time.Second, log)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.Domain == "" {
		cfg.Domain = ln.Addr().String()
	}
	if err := storeOrigin(ctx, cfg, db, log); err != nil {
		ln.Close()
		return err
	}
	listen, err := storage.OpenListenPool(ctx, cfg.DatabaseURL)
	if err != nil {
		ln.Close()
		return err
	}
	if listen != nil {
		defer listen.Close() // runs after stopEngine below has stopped the queue
	}
	var (
		m   *metrics.Metrics
		mln net.Listener
	)
	if cfg.MetricsListen != "" {
		m = metrics.New()
		if mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsListen, err)
		}
		defer mln.Close()
	}
	fed, err := newEngine(ctx, cfg, db, reads, listen, m, log, true)
	if err != nil {
		ln.Close()
		return err
	}
	store, err := openMediaStore(ctx, cfg, e.getenv)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("media store", "store", store.String())
	cache, err := newMediaCache(ctx, cfg, db, reads, fed, store, log)
	if err != nil {
		ln.Close()
		return err
	}
	deps := web.Deps{DB: db, Reads: reads, Fed: fed, Log: log, InsecureHTTP: cfg.InsecureHTTP, DataDir: cfg.Data,
		TrustedProxies: cfg.TrustedProxies, LocalTrial: cfg.LocalTrial, Metrics: m, Media: cache, MediaStore: store, MediaPublicURL: uploadsURL(cfg, store),
		InboxPerMinute: cfg.InboxRate, InboxPerServerPerMinute: cfg.InboxServerRate}
	srv := &http.Server{
		Handler:           web.New(deps),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Jobs run on a context of their own: a signal stops them through Stop,
	// which lets running jobs finish first.
	if err := fed.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}

	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	var msrv *http.Server
	if mln != nil {
		msrv = metricsServer(m, log)
		go func() { serveErr <- msrv.Serve(mln) }()
		log.Info("metrics are served", "url", "http://"+mln.Addr().String()+"/metrics")
		if e.readyMetrics != nil {
			e.readyMetrics(mln.Addr().String())
		}
	}
	addr := ln.Addr().String()
	if cfg.LocalTrial {
		log.Info("local trial: no --domain given, so the node uses http:// on its listen address; set --domain (and a TLS proxy) to join the fediverse")
	}
	log.Info("kith is serving", "listen", addr, "domain", cfg.Domain, "url", cfg.Scheme()+"://"+cfg.Domain, "version", version)
	if setup, ok, err := web.SetupURL(ctx, deps); err != nil {
		log.Error("prepare first-run setup", "err", err)
	} else if ok {
		log.Info("no owner yet: open the setup page to create the owner account and the first group", "url", setup)
		fmt.Fprintf(e.stdout, "\nSet up this node: %s\n\n", setup)
	}
	if e.ready != nil {
		e.ready(addr)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests and jobs", "grace", shutdownGrace)
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			stopEngine(fed, log)
			return fmt.Errorf("serve HTTP: %w", err)
		}
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	httpErr := srv.Shutdown(shutCtx)
	if msrv != nil {
		_ = msrv.Shutdown(shutCtx) // scrapes are short; the public listener's error is the one to report
	}
	stopEngine(fed, log)
	if httpErr != nil {
		return fmt.Errorf("shut down HTTP server: %w", httpErr)
	}
	log.Info("stopped")
	return nil
}

// metricsServer serves the node's metrics at /metrics, on the listener
// of --metrics-listen: apart from the public router, so a reverse proxy in
// front of the node can never pass /metrics through by accident.
func metricsServer(m *metrics.Metrics, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler(slog.NewLogLogger(log.Handler(), slog.LevelError)))
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func stopEngine(fed *federation.Engine, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := fed.Stop(ctx); err != nil {
		log.Error("stop job queue", "err", err)
	}
}

// checkpointEvery checkpoints the SQLite WAL from the read pool until ctx
// ends (storage.Checkpoint says why).
func checkpointEvery(ctx context.Context, reads *bun.DB, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := storage.Checkpoint(ctx, reads); err != nil && ctx.Err() == nil {
				log.Warn("WAL checkpoint", "err", err)
			}
		}
	}
}
