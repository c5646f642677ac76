package migrations_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/kith-social/kith/migrations"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The helper process of TestDeadMigratorDoesNotBlock: it takes the
// migration lock, leaves a bun lock row as a process killed mid-migration
// would, says so, and waits to be killed.
const helperEnv = "KITH_TEST_HOLD_MIGRATION_LOCK"

func TestMain(m *testing.M) {
	if dsn := os.Getenv(helperEnv); dsn != "" {
		os.Exit(holdLock(dsn))
	}
	os.Exit(m.Run())
}

func holdLock(dsn string) int {
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn, "")
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if _, err := storage.LockMigrations(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if err := leaveBunLock(ctx, db); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("locked")
	select {} // until killed
}

// leaveBunLock takes bun's migration lock and never releases it, as a
// process killed while migrating did.
func leaveBunLock(ctx context.Context, db *bun.DB) error {
	m := migrate.NewMigrator(db, migrate.NewMigrations())
	if err := m.Init(ctx); err != nil {
		return err
	}
	return m.Lock(ctx)
}

func open(t *testing.T, dsn string) *bun.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// files counts the migrations: the SQL files and the Go ones, whose file
// names start with their timestamp as the SQL files' do.
func files(t *testing.T) int {
	t.Helper()
	m, err := filepath.Glob("*.up.sql")
	if err != nil || len(m) == 0 {
		t.Fatalf("no migration files: %v", err)
	}
	g, err := filepath.Glob("[0-9]*_*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range g {
		if !strings.HasSuffix(f, "_test.go") {
			m = append(m, f)
		}
	}
	return len(m)
}

func appliedCount(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM bun_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func bunLockRows(t *testing.T, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+storage.BunLocksTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Several processes starting at once on one database: every one succeeds,
// and the migrations are applied once.
func TestConcurrentMigrators(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.Empty(t)
			const procs = 4
			dbs := make([]*bun.DB, procs)
			for i := range dbs {
				dbs[i] = open(t, dsn) // its own handle, as another process has
			}
			var wg sync.WaitGroup
			applied := make([]int, procs)
			errs := make([]error, procs)
			for i, db := range dbs {
				wg.Go(func() {
					applied[i], errs[i] = migrations.Up(context.Background(), db, slog.New(slog.DiscardHandler))
				})
			}
			wg.Wait()
			total := 0
			for i := range procs {
				if errs[i] != nil {
					t.Errorf("migrator %d: %v", i, errs[i])
				}
				total += applied[i]
			}
			want := files(t)
			if total != want {
				t.Errorf("migrations applied %d times in all (%v), want each of the %d once", total, applied, want)
			}
			if n := appliedCount(t, dbs[0]); n != want {
				t.Errorf("bun_migrations has %d rows, want %d", n, want)
			}
			if n := bunLockRows(t, dbs[0]); n != 0 {
				t.Errorf("%d bun lock rows left", n)
			}
		})
	}
}

// A bun lock row left by a process that died while migrating does not
// stop the next start.
func TestStaleBunLockRowIsCleared(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := open(t, b.Empty(t))
			ctx := context.Background()
			if err := leaveBunLock(ctx, db); err != nil {
				t.Fatal(err)
			}
			if _, err := migrations.Up(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatalf("start with a stale lock row: %v", err)
			}
			if n := bunLockRows(t, db); n != 0 {
				t.Errorf("%d bun lock rows left", n)
			}
			if n, want := appliedCount(t, db), files(t); n != want {
				t.Errorf("applied %d migrations, want %d", n, want)
			}
		})
	}
}

// logHook is a slog handler that reports each message on a channel.
type logHook struct{ msgs chan string }

func (h logHook) Enabled(context.Context, slog.Level) bool { return true }
func (h logHook) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h logHook) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logHook) WithGroup(string) slog.Handler      { return h }

// A process that is migrating makes a starting one wait; when it is
// killed (SIGKILL, no clean-up), the waiting one takes over, clears the
// bun lock row it left and migrates.
func TestDeadMigratorDoesNotBlock(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.Empty(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "locked" {
				t.Fatalf("helper process: %q, %v", line, err)
			}

			db := open(t, dsn)
			if _, err := migrations.Unlock(ctx, db); !errors.Is(err, storage.ErrMigrationLocked) {
				t.Errorf("Unlock while a live process migrates: %v, want ErrMigrationLocked", err)
			}
			hook := logHook{msgs: make(chan string, 16)}
			done := make(chan error, 1)
			go func() {
				_, err := migrations.Up(ctx, db, slog.New(hook))
				done <- err
			}()
			for msg := range hook.msgs {
				if strings.Contains(msg, "waiting for it") {
					break
				}
			}
			select {
			case err := <-done:
				t.Fatalf("Up finished while another process held the lock: %v", err)
			default:
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Up after the migrating process died: %v", err)
			}
			if n := bunLockRows(t, db); n != 0 {
				t.Errorf("%d bun lock rows left", n)
			}
			if n, want := appliedCount(t, db), files(t); n != want {
				t.Errorf("applied %d migrations, want %d", n, want)
			}
		})
	}
}

// kith migrate --unlock: removes a stale row when nobody migrates.
func TestUnlock(t *testing.T) {
	for _, b := range storagetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, b.Empty(t))
			if n, err := migrations.Unlock(ctx, db); err != nil || n != 0 {
				t.Fatalf("Unlock of a new database: %d, %v", n, err)
			}
			if err := leaveBunLock(ctx, db); err != nil {
				t.Fatal(err)
			}
			if n, err := migrations.Unlock(ctx, db); err != nil || n != 1 {
				t.Fatalf("Unlock of a stale row: %d, %v; want 1 row removed", n, err)
			}
			if n := bunLockRows(t, db); n != 0 {
				t.Errorf("%d bun lock rows left", n)
			}
		})
	}
}
