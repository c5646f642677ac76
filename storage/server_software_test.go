package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func TestServerSoftware(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		for _, iri := range []string{"https://mastodon.test/users/a", "https://lemmy.test/u/b", "https://new.test/users/c"} {
			a := &storage.RemoteActor{IRI: iri, Type: "Person", Host: hostOfIRI(iri), Inbox: iri + "/inbox", PublicKeyID: iri + "#key"}
			if err := storage.UpsertRemoteActor(ctx, db, now, a); err != nil {
				t.Fatal(err)
			}
		}
		record := func(s storage.ServerSoftware) {
			t.Helper()
			if err := storage.RecordServerSoftware(ctx, db, s); err != nil {
				t.Fatal(err)
			}
		}
		record(storage.ServerSoftware{Host: "mastodon.test", Name: "mastodon", Version: "4.3.2", CheckedAt: now})
		record(storage.ServerSoftware{Host: "lemmy.test", Name: "lemmy", Version: "0.19.8", CheckedAt: now.Add(-25 * time.Hour)})

		// Never checked, and checked more than a day ago.
		hosts, err := storage.HostsToCheck(ctx, db, now.Add(-24*time.Hour), 10)
		if err != nil || !slices.Equal(hosts, []string{"lemmy.test", "new.test"}) {
			t.Errorf("hosts to check = %v, %v; want lemmy.test, new.test", hosts, err)
		}
		if hosts, _ := storage.HostsToCheck(ctx, db, now.Add(-24*time.Hour), 1); len(hosts) != 1 {
			t.Errorf("limit 1 gave %v", hosts)
		}

		// A failed check keeps what was known and records why.
		record(storage.ServerSoftware{Host: "lemmy.test", CheckedAt: now, Error: "connection refused"})
		// A successful one replaces it.
		record(storage.ServerSoftware{Host: "mastodon.test", Name: "hometown", Version: "4.3.2+hometown-1.1", CheckedAt: now})
		rows, err := storage.ListServerSoftware(ctx, db)
		if err != nil || len(rows) != 2 {
			t.Fatalf("rows = %+v, %v", rows, err)
		}
		if r := rows[0]; r.Host != "lemmy.test" || r.Name != "lemmy" || r.Version != "0.19.8" || r.Error != "connection refused" || !r.CheckedAt.Equal(now) {
			t.Errorf("after a failed check: %+v", r)
		}
		if r := rows[1]; r.Name != "hometown" || r.Version != "4.3.2+hometown-1.1" || r.Error != "" {
			t.Errorf("after a new check: %+v", r)
		}
		if hosts, _ := storage.HostsToCheck(ctx, db, now.Add(-24*time.Hour), 10); !slices.Equal(hosts, []string{"new.test"}) {
			t.Errorf("hosts to check after the checks = %v, want new.test", hosts)
		}
	})
}

func hostOfIRI(iri string) string {
	rest := iri[len("https://"):]
	for i, c := range rest {
		if c == '/' {
			return rest[:i]
		}
	}
	return rest
}
