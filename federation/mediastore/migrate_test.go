package mediastore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kith-social/kith/federation/mediastore"
)

// brokenStore stores a corrupted copy of one key (a bucket that mangles an
// upload): Copy's verification must catch it.
type brokenStore struct {
	mediastore.Store
	corrupt string
}

func (b brokenStore) Put(ctx context.Context, key string, data []byte, opts mediastore.PutOptions) error {
	if key == b.corrupt {
		data = append([]byte("X"), data[1:]...)
	}
	return b.Store.Put(ctx, key, data, opts)
}

func TestCopyIsResumableAndVerified(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	files := map[string]string{
		"media/groups/g1/profile/a.png":     "avatar bytes",
		"media/groups/g1/posts/b.jpg":       "a photo",
		"media-cache/ab/abcd.png":           "a cached image",
		"kith.db":                           "not media: never copied",
		"media/groups/g1/posts/.upload-tmp": "a partial upload: never copied",
	}
	for rel, body := range files {
		p := filepath.Join(data, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := mediastore.NewDir(data)
	for _, tc := range stores(t)[1:] { // to each S3 store
		t.Run(tc.name, func(t *testing.T) {
			dst := tc.store(t)
			prefixes := []string{mediastore.UploadsPrefix, mediastore.CachePrefix}

			// A first run stopped by a corrupted upload: that object fails
			// verification, the others are copied.
			var failed []string
			res, err := mediastore.Copy(ctx, src, brokenStore{dst, "media/groups/g1/posts/b.jpg"}, prefixes, func(e mediastore.CopyEvent) {
				if e.Action == "failed" {
					failed = append(failed, e.Key)
				}
			})
			if err == nil || res.Copied != 2 || res.Failed != 1 || len(failed) != 1 || failed[0] != "media/groups/g1/posts/b.jpg" {
				t.Fatalf("first run: %+v, %v, failed %q", res, err, failed)
			}

			// Run again: what is there is skipped, the rest copied.
			res, err = mediastore.Copy(ctx, src, dst, prefixes, nil)
			if err != nil || res.Copied != 1 || res.Skipped != 2 || res.Failed != 0 {
				t.Fatalf("second run: %+v, %v", res, err)
			}
			res, err = mediastore.Copy(ctx, src, dst, prefixes, nil)
			if err != nil || res.Copied != 0 || res.Skipped != 3 {
				t.Fatalf("third run: %+v, %v", res, err)
			}
			for rel, body := range files {
				got, info, err := mediastore.ReadAll(ctx, dst, rel)
				if strings.Contains(body, "never copied") {
					if !errors.Is(err, mediastore.ErrNotExist) {
						t.Errorf("%s copied (%v)", rel, err)
					}
					continue
				}
				if err != nil || string(got) != body || info.SHA256 != mediastore.SHA256([]byte(body)) {
					t.Errorf("%s in the bucket: %q %+v %v", rel, got, info, err)
				}
			}
			// A changed object in the bucket (same key, other bytes) is
			// replaced.
			if err := dst.Put(ctx, "media/groups/g1/profile/a.png", []byte("avatar bytez"), mediastore.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if res, err := mediastore.Copy(ctx, src, dst, prefixes, nil); err != nil || res.Copied != 1 {
				t.Fatalf("after a change in the bucket: %+v, %v", res, err)
			}
		})
	}
	// Nothing was removed from the data directory.
	for rel := range files {
		if _, err := os.Stat(filepath.Join(data, filepath.FromSlash(rel))); err != nil {
			t.Errorf("source %s: %v", rel, err)
		}
	}
}
