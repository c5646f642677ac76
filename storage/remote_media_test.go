package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func TestRemoteMedia(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
		if _, err := storage.RemoteMediaByHash(ctx, db, "nope"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing row: %v", err)
		}
		if n, err := storage.RemoteMediaBytes(ctx, db); err != nil || n != 0 {
			t.Fatalf("empty total = %d, %v", n, err)
		}
		store := func(hash string, size int64, at time.Time) {
			t.Helper()
			err := storage.StoreRemoteMedia(ctx, db, &storage.RemoteMedia{
				URLHash: hash, URL: "https://m.test/" + hash, ContentHash: "c" + hash, MediaType: "image/png",
				Width: 10, Height: 20, SizeBytes: size, FetchedAt: at, LastUsedAt: at,
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// A failure, then a success on the same URL: the success replaces it.
		if err := storage.RecordRemoteMediaFailure(ctx, db, "a", "https://m.test/a", "HTTP 503", t0); err != nil {
			t.Fatal(err)
		}
		m, err := storage.RemoteMediaByHash(ctx, db, "a")
		if err != nil || m.Stored() || !m.FailedAt.Equal(t0) || m.Failure != "HTTP 503" {
			t.Fatalf("failure row = %+v, %v", m, err)
		}
		store("a", 100, t0)
		store("b", 200, t0.Add(time.Hour))
		store("c", 300, t0.Add(2*time.Hour))
		m, err = storage.RemoteMediaByHash(ctx, db, "a")
		if err != nil || !m.Stored() || !m.FailedAt.IsZero() || m.Failure != "" || m.SizeBytes != 100 || m.Height != 20 {
			t.Fatalf("stored row = %+v, %v", m, err)
		}
		if n, _ := storage.RemoteMediaBytes(ctx, db); n != 600 {
			t.Errorf("total = %d, want 600", n)
		}
		// Used again: a moves to the end of the line.
		if err := storage.TouchRemoteMedia(ctx, db, "a", t0.Add(3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// A failure row holds nothing, and is not in the eviction order.
		if err := storage.RecordRemoteMediaFailure(ctx, db, "d", "https://m.test/d", "too large", t0); err != nil {
			t.Fatal(err)
		}
		lru, err := storage.LeastRecentlyUsedRemoteMedia(ctx, db, 10)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, m := range lru {
			order = append(order, m.URLHash)
		}
		if len(order) != 3 || order[0] != "b" || order[1] != "c" || order[2] != "a" {
			t.Errorf("LRU order = %v, want [b c a]", order)
		}
		// A failure on a stored URL (fetched again after its file was lost) empties it.
		if err := storage.RecordRemoteMediaFailure(ctx, db, "c", "https://m.test/c", "gone", t0.Add(4*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, _ := storage.RemoteMediaBytes(ctx, db); n != 300 {
			t.Errorf("total after failure = %d, want 300", n)
		}
		if err := storage.DeleteRemoteMedia(ctx, db, "b"); err != nil {
			t.Fatal(err)
		}
		if err := storage.DeleteRemoteMedia(ctx, db, "b"); err != nil {
			t.Errorf("deleting twice: %v", err)
		}
		// Old failures are forgotten; recent ones and stored images stay.
		n, err := storage.PruneRemoteMediaFailures(ctx, db, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want 1 (d)", n, err)
		}
		for hash, want := range map[string]bool{"a": true, "b": false, "c": true, "d": false} {
			_, err := storage.RemoteMediaByHash(ctx, db, hash)
			if got := err == nil; got != want {
				t.Errorf("row %s present = %v, want %v", hash, got, want)
			}
		}
	})
}
