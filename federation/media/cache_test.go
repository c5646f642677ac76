package media_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// origin is a remote server with images, counting requests per path.
type origin struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	files map[string]func(w http.ResponseWriter)
	gate  chan struct{} // when set, /slow.png waits for it
}

func newOrigin(t *testing.T) *origin {
	o := &origin{hits: map[string]int{}, files: map[string]func(http.ResponseWriter){}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		f, ok := o.files[r.URL.Path]
		gate := o.gate
		o.mu.Unlock()
		if r.URL.Path == "/slow.png" && gate != nil {
			<-gate
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		f(w)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) serve(path, ctype string, body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[path] = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(body)
	}
}

func (o *origin) handle(path string, f func(w http.ResponseWriter)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[path] = f
}

func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

func (o *origin) url(path string) string { return o.srv.URL + path }

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newCache(t *testing.T, db *bun.DB, mutate func(*media.Config)) (*media.Cache, *media.Config) {
	t.Helper()
	cfg := media.Config{
		Dir:        filepath.Join(t.TempDir(), "media-cache"),
		Transport:  transport.Config{InsecureHTTP: true, AllowPrivateNetworks: true, Timeout: 10 * time.Second},
		LocalMedia: "https://kith.test/media/",
		MaxBytes:   64 << 10,
		RetryAfter: 10 * time.Minute,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := media.New(context.Background(), db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, &cfg
}

// parts splits a cache URL into the sig and enc that Open takes.
func parts(t *testing.T, u string) (string, string) {
	t.Helper()
	rest, ok := strings.CutPrefix(u, "/media/remote/")
	sig, enc, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		t.Fatalf("not a cache URL: %q", u)
	}
	return sig, enc
}

func open(t *testing.T, c *media.Cache, remote string) (*media.Object, error) {
	t.Helper()
	u := c.URL(remote)
	if u == "" {
		t.Fatalf("URL(%q) = \"\"", remote)
	}
	sig, enc := parts(t, u)
	return c.Open(context.Background(), sig, enc)
}

// TestFetch: what the cache refuses, and why; each refusal is remembered.
func TestFetch(t *testing.T) {
	db, _ := storagetest.OpenSQLite(t)
	o := newOrigin(t)
	o.serve("/ok.png", "image/png", pngOf(t, 40, 30, false))
	o.serve("/lying.png", "image/png", []byte("<html><script>alert(1)</script></html>"))
	o.serve("/jpeg-as-text.txt", "text/plain", jpegWithEXIF(t, 8, 8))
	o.serve("/bomb.png", "image/png", pngBomb(60_000, 60_000))
	o.serve("/big.png", "image/png", bytes.Repeat([]byte("x"), 100<<10))
	o.handle("/big-chunked.png", func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "image/png")
		w.(http.Flusher).Flush() // no Content-Length: the capped reader has to stop it
		for range 100 {
			_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<10))
		}
	})
	o.handle("/claims-big.png", func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", fmt.Sprint(1<<30))
		w.WriteHeader(http.StatusOK) // and then sends nothing: refused before reading
	})
	o.handle("/redirect.png", func(w http.ResponseWriter) {
		w.Header().Set("Location", o.url("/ok.png"))
		w.WriteHeader(http.StatusFound)
	})

	lax, _ := newCache(t, db, nil)
	guarded, _ := newCache(t, db, func(c *media.Config) { c.Transport.AllowPrivateNetworks = false })
	for _, tc := range []struct {
		name    string
		cache   *media.Cache
		url     string
		wantErr error
	}{
		{"happy path", lax, o.url("/ok.png"), nil},
		{"type sniffed, not taken from the header", lax, o.url("/jpeg-as-text.txt"), nil},
		{"redirect followed", lax, o.url("/redirect.png"), nil},
		{"HTML with an image type", lax, o.url("/lying.png"), media.ErrUnsupportedType},
		{"decompression bomb", lax, o.url("/bomb.png"), media.ErrTooManyPixels},
		{"larger than the limit", lax, o.url("/big.png"), transport.ErrTooLarge},
		{"larger than the limit, no length", lax, o.url("/big-chunked.png"), transport.ErrTooLarge},
		{"Content-Length refused before the body", lax, o.url("/claims-big.png"), transport.ErrTooLarge},
		{"not found", lax, o.url("/missing.png"), transport.ErrNotFound},
		{"loopback refused by the guard", guarded, o.url("/ok.png"), transport.ErrForbiddenAddress},
		{"private address refused by the guard", guarded, "http://10.0.0.1/ok.png", transport.ErrForbiddenAddress},
		{"link-local (cloud metadata) refused by the guard", guarded, "http://169.254.169.254/latest/meta-data", transport.ErrForbiddenAddress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tc.cache.Fetch(context.Background(), tc.url)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if media.Sniff(enc.Data) != enc.MediaType {
					t.Errorf("stored %s sniffs as %s", enc.MediaType, media.Sniff(enc.Data))
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			// Through Open, the refusal is ErrUnavailable and remembered.
			obj, err := open(t, tc.cache, tc.url)
			if obj != nil {
				obj.Close()
			}
			if !errors.Is(err, media.ErrUnavailable) {
				t.Fatalf("Open err = %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestCacheURL(t *testing.T) {
	db, _ := storagetest.OpenSQLite(t)
	c, _ := newCache(t, db, nil)
	for _, tc := range []struct {
		in, wantPrefix string
	}{
		{"https://kith.test/media/groups/g/icon/a.png", "/media/groups/g/icon/a.png"},
		{"https://mastodon.test/avatars/alice.png", "/media/remote/"},
		{"http://gts.test:8080/a.png", "/media/remote/"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"data:image/png;base64,AAAA", ""},
		{"https://user:pw@mastodon.test/a.png", ""},
		{"/relative.png", ""},
		{"https://mastodon.test/" + strings.Repeat("a", media.MaxURLLength), ""},
		{"https://kith.test/media/", ""},
	} {
		got := c.URL(tc.in)
		if tc.wantPrefix == "" && got != "" || !strings.HasPrefix(got, tc.wantPrefix) {
			t.Errorf("URL(%.60q) = %q, want %q…", tc.in, got, tc.wantPrefix)
		}
		if strings.Contains(got, "mastodon.test") || strings.Contains(got, "gts.test") {
			t.Errorf("URL(%q) = %q names the remote host", tc.in, got)
		}
	}
	// A URL is stable, and only the node can make one.
	u := c.URL("https://mastodon.test/a.png")
	if u != c.URL("https://mastodon.test/a.png") {
		t.Error("URL is not stable")
	}
	sig, enc := parts(t, u)
	if got, err := c.Resolve(sig, enc); err != nil || got != "https://mastodon.test/a.png" {
		t.Errorf("Resolve = %q, %v", got, err)
	}
	_, otherEnc := parts(t, c.URL("https://mastodon.test/b.png"))
	for _, bad := range [][2]string{
		{sig, otherEnc},                  // a signature for another URL
		{strings.ToUpper(sig), enc},      // a forged signature
		{"", enc},                        // none
		{sig, enc + "!"},                 // not base64
		{sig, strings.Repeat("A", 4000)}, // too long
	} {
		if _, err := c.Resolve(bad[0], bad[1]); !errors.Is(err, media.ErrUnknown) {
			t.Errorf("Resolve(%.20q, %.20q) = %v, want ErrUnknown", bad[0], bad[1], err)
		}
	}
	// Another node (another key) makes other URLs.
	db2, _ := storagetest.OpenSQLite(t)
	c2, _ := newCache(t, db2, nil)
	if c2.URL("https://mastodon.test/a.png") == u {
		t.Error("two nodes sign alike")
	}
}

func TestCache(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		o := newOrigin(t)
		avatar := pngOf(t, 48, 48, false)
		o.serve("/avatar.png", "image/png", avatar)
		clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
		c, cfg := newCache(t, db, func(c *media.Config) { c.Now = clk.Now })

		// The directory is the node's alone, whatever the umask.
		if st, err := os.Stat(cfg.Dir); err != nil || st.Mode().Perm() != 0o700 {
			t.Fatalf("cache directory: %v, %v", st.Mode(), err)
		}

		t.Run("unknown key: no fetch", func(t *testing.T) {
			sig, enc := parts(t, c.URL(o.url("/avatar.png")))
			forged := "A" + sig[1:]
			if sig[0] == 'A' { // "A"+sig[1:] would be the real key
				forged = "B" + sig[1:]
			}
			_, err := c.Open(ctx, forged, enc)
			if !errors.Is(err, media.ErrUnknown) || o.count("/avatar.png") != 0 {
				t.Fatalf("forged key: %v, %d fetches", err, o.count("/avatar.png"))
			}
		})

		t.Run("miss, then hit", func(t *testing.T) {
			obj, err := open(t, c, o.url("/avatar.png"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(obj)
			obj.Close()
			want, _ := media.Reencode(avatar, 0, media.DefaultMaxDimension, media.DefaultMaxDimension)
			if !bytes.Equal(body, want.Data) || obj.MediaType != "image/png" || !strings.HasPrefix(obj.ETag, `"`) || obj.Size != int64(len(body)) {
				t.Errorf("served %d bytes %s etag %s, want the re-encoded %d bytes", len(body), obj.MediaType, obj.ETag, len(want.Data))
			}
			file := filepath.Join(cfg.Dir, filepath.FromSlash(obj.Key))
			st, err := os.Stat(file)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("stored file %s: %v, %v", file, st.Mode(), err)
			}
			dir, _ := os.Stat(filepath.Dir(file))
			if dir.Mode().Perm() != 0o700 {
				t.Errorf("file directory mode %v", dir.Mode())
			}
			obj, err = open(t, c, o.url("/avatar.png"))
			if err != nil {
				t.Fatal(err)
			}
			obj.Close()
			if n := o.count("/avatar.png"); n != 1 {
				t.Errorf("%d fetches, want 1", n)
			}
		})

		t.Run("a lost file is fetched again", func(t *testing.T) {
			obj, err := open(t, c, o.url("/avatar.png"))
			if err != nil {
				t.Fatal(err)
			}
			obj.Close()
			if err := os.Remove(filepath.Join(cfg.Dir, filepath.FromSlash(obj.Key))); err != nil {
				t.Fatal(err)
			}
			obj, err = open(t, c, o.url("/avatar.png"))
			if err != nil {
				t.Fatal(err)
			}
			obj.Close()
			if n := o.count("/avatar.png"); n != 2 {
				t.Errorf("%d fetches, want 2", n)
			}
		})

		t.Run("concurrent requests share one fetch", func(t *testing.T) {
			gate := make(chan struct{})
			o.mu.Lock()
			o.gate = gate
			o.mu.Unlock()
			o.serve("/slow.png", "image/png", pngOf(t, 20, 20, true))
			const n = 8
			errs := make(chan error, n)
			var started atomic.Int32
			for range n {
				go func() {
					started.Add(1)
					obj, err := open(t, c, o.url("/slow.png"))
					if err == nil {
						obj.Close()
					}
					errs <- err
				}()
			}
			storagetest.Eventually(t, "first fetch arrives", func() bool { return o.count("/slow.png") == 1 && started.Load() == n })
			close(gate)
			for range n {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			if got := o.count("/slow.png"); got != 1 {
				t.Errorf("%d fetches for %d requests, want 1", got, n)
			}
		})

		t.Run("failures remembered, then retried", func(t *testing.T) {
			if _, err := open(t, c, o.url("/later.png")); !errors.Is(err, media.ErrUnavailable) {
				t.Fatalf("missing image: %v", err)
			}
			o.serve("/later.png", "image/png", pngOf(t, 10, 10, true))
			clk.Add(cfg.RetryAfter / 2)
			if _, err := open(t, c, o.url("/later.png")); !errors.Is(err, media.ErrUnavailable) {
				t.Fatalf("within the retry period: %v", err)
			}
			if n := o.count("/later.png"); n != 1 {
				t.Fatalf("%d fetches within the retry period, want 1", n)
			}
			clk.Add(cfg.RetryAfter)
			obj, err := open(t, c, o.url("/later.png"))
			if err != nil {
				t.Fatalf("after the retry period: %v", err)
			}
			obj.Close()
			if n := o.count("/later.png"); n != 2 {
				t.Errorf("%d fetches, want 2", n)
			}
		})
	})
}

// TestEviction: past the budget, the least recently used images go.
func TestEviction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		o := newOrigin(t)
		img := pngOf(t, 64, 64, false)
		enc, err := media.Reencode(img, 0, media.DefaultMaxDimension, media.DefaultMaxDimension)
		if err != nil {
			t.Fatal(err)
		}
		size := int64(len(enc.Data))
		for _, p := range []string{"/a.png", "/b.png", "/c.png"} {
			o.serve(p, "image/png", img)
		}
		clk := &clock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
		c, cfg := newCache(t, db, func(c *media.Config) { c.Now = clk.Now; c.Budget = size * 5 / 2 })
		get := func(p string) {
			t.Helper()
			obj, err := open(t, c, o.url(p))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			obj.Close()
		}
		get("/a.png")
		clk.Add(2 * time.Hour)
		get("/b.png")
		clk.Add(2 * time.Hour)
		get("/a.png") // a is now more recent than b
		clk.Add(2 * time.Hour)
		get("/c.png") // over the budget: b goes
		total, err := storage.RemoteMediaBytes(ctx, db)
		if err != nil || total != 2*size {
			t.Fatalf("stored %d bytes (%v), want %d", total, err, 2*size)
		}
		for p, want := range map[string]int{"/a.png": 1, "/b.png": 1, "/c.png": 1} {
			if got := o.count(p); got != want {
				t.Errorf("%s fetched %d times, want %d", p, got, want)
			}
		}
		clk.Add(2 * time.Hour)
		get("/a.png")
		get("/c.png")
		clk.Add(2 * time.Hour)
		get("/b.png") // evicted: fetched again
		if got := o.count("/b.png"); got != 2 {
			t.Errorf("evicted b fetched %d times in all, want 2", got)
		}
		if got := o.count("/a.png") + o.count("/c.png"); got != 2 {
			t.Errorf("a and c fetched %d times in all, want 2 (they stayed)", got)
		}
		// The files on disk are what the table holds.
		var files int64
		_ = filepath.Walk(filepath.Dir(filepath.Dir(mustPath(t, c, cfg, o.url("/c.png")))), func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				files += info.Size()
			}
			return nil
		})
		total, _ = storage.RemoteMediaBytes(ctx, db)
		if files != total {
			t.Errorf("%d bytes on disk, %d in the table", files, total)
		}
	})
}

func mustPath(t *testing.T, c *media.Cache, cfg *media.Config, remote string) string {
	t.Helper()
	obj, err := open(t, c, remote)
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	return filepath.Join(cfg.Dir, filepath.FromSlash(obj.Key))
}
