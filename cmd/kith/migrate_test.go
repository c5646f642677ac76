package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun/migrate"

	"github.com/kith-social/kith/storage"
)

// kith migrate --unlock removes a lock row left by a process that died
// while migrating, and refuses while a live process holds the lock.
func TestMigrateUnlock(t *testing.T) {
	for name, dbArgs := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if r := kith(t, "", append([]string{"migrate"}, dbArgs...)...); r.code != exitOK {
				t.Fatalf("migrate: %+v", r)
			}
			cfgDB, dataDir := "", ""
			for i := 0; i+1 < len(dbArgs); i += 2 {
				switch dbArgs[i] {
				case "--database":
					cfgDB = dbArgs[i+1]
				case "--data":
					dataDir = dbArgs[i+1]
				}
			}
			db, err := storage.Open(ctx, cfgDB, dataDir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// What a process killed in the middle of migrating leaves.
			if err := migrate.NewMigrator(db, migrate.NewMigrations()).Lock(ctx); err != nil {
				t.Fatal(err)
			}

			release, err := storage.TryLockMigrations(ctx, db) // a live migrator
			if err != nil {
				t.Fatal(err)
			}
			r := kith(t, "", append([]string{"migrate", "--unlock"}, dbArgs...)...)
			if r.code != exitFailure || !strings.Contains(r.stderr, "another process is migrating the database now") || !strings.Contains(r.stderr, "wait for it to finish") {
				t.Errorf("--unlock while a process migrates: %+v", r)
			}
			release()

			r = kith(t, "", append([]string{"migrate", "--unlock"}, dbArgs...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "removed 1 stale migration lock row") {
				t.Fatalf("--unlock: %+v", r)
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+storage.BunLocksTable).Scan(&n); err != nil || n != 0 {
				t.Errorf("lock rows after --unlock: %d, %v", n, err)
			}
			r = kith(t, "", append([]string{"migrate", "--unlock"}, dbArgs...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, "nothing to do") {
				t.Errorf("--unlock again: %+v", r)
			}
		})
	}
}
