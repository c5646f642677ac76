package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/mediastore/mediastoretest"
	"github.com/kith-social/kith/storage/storagetest"
)

// Two nodes sharing one database and one bucket share the cache: an image
// node A fetched is served by node B without a second fetch, and an image
// evicted by one is gone from the bucket for both.
func TestCacheSharedBucket(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		bucket := mediastoretest.NewFake(t).Store(t)
		o := newOrigin(t)
		img := pngOf(t, 64, 64, false)
		o.serve("/a.png", "image/png", img)
		o.serve("/b.png", "image/png", img)
		enc, err := media.Reencode(img, 0, media.DefaultMaxDimension, media.DefaultMaxDimension)
		if err != nil {
			t.Fatal(err)
		}
		clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
		onBucket := func(c *media.Config) {
			c.Store, c.Prefix, c.Dir, c.Now = bucket, mediastore.CachePrefix, "", clk.Now
			c.Budget = int64(len(enc.Data)) * 3 / 2 // room for one image
		}
		a, _ := newCache(t, db, onBucket)
		b, _ := newCache(t, db, onBucket)

		read := func(c *media.Cache, remote string) []byte {
			t.Helper()
			obj, err := open(t, c, remote)
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			body, err := io.ReadAll(obj)
			if err != nil {
				t.Fatal(err)
			}
			return body
		}
		if got := read(a, o.url("/a.png")); !bytes.Equal(got, enc.Data) {
			t.Fatalf("A served %d bytes, want %d", len(got), len(enc.Data))
		}
		if got := read(b, o.url("/a.png")); !bytes.Equal(got, enc.Data) || o.count("/a.png") != 1 {
			t.Fatalf("B served %d bytes after %d fetches, want the stored image and 1 fetch", len(got), o.count("/a.png"))
		}
		var keys []string
		_ = bucket.List(ctx, mediastore.CachePrefix, func(in mediastore.Info) error { keys = append(keys, in.Key); return nil })
		if len(keys) != 1 {
			t.Fatalf("bucket holds %q, want one cached image", keys)
		}

		// B fetches another image; the budget evicts A's from the bucket.
		clk.Add(2 * time.Hour)
		read(b, o.url("/b.png"))
		if _, err := bucket.Stat(ctx, keys[0]); !errors.Is(err, mediastore.ErrNotExist) {
			t.Fatalf("evicted image still in the bucket: %v", err)
		}
		read(a, o.url("/a.png"))
		if n := o.count("/a.png"); n != 2 {
			t.Fatalf("evicted image fetched %d times in all, want 2", n)
		}
	})
}
