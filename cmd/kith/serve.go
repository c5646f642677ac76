package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/kith-social/kith/storage/queue"
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

	workers := river.NewWorkers()
	river.AddWorker(workers, &queue.PruneActivitiesWorker{DB: db, Log: log})
	q, err := queue.New(db, queue.Options{
		Workers:  workers,
		Periodic: []*river.PeriodicJob{queue.PrunePeriodic()},
		Logger:   log.With("component", "queue"),
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.Domain == "" {
		cfg.Domain = ln.Addr().String()
	}
	srv := &http.Server{
		Handler:           web.New(web.Deps{DB: db, Log: log}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Jobs run on a context of their own: a signal stops them through Stop,
	// which lets running jobs finish first.
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("kith is serving", "listen", addr, "domain", cfg.Domain, "url", cfg.Scheme()+"://"+cfg.Domain, "version", version)
	if e.ready != nil {
		e.ready(addr)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests and jobs", "grace", shutdownGrace)
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			stopQueue(q, log)
			return fmt.Errorf("serve HTTP: %w", err)
		}
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	httpErr := srv.Shutdown(shutCtx)
	stopQueue(q, log)
	if httpErr != nil {
		return fmt.Errorf("shut down HTTP server: %w", httpErr)
	}
	log.Info("stopped")
	return nil
}

func stopQueue(q *queue.Queue, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		log.Error("stop job queue", "err", err)
	}
}
