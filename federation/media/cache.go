package media

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/sync/singleflight"

	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/transport"
	"github.com/kith-social/kith/storage"
)

// Defaults of Config.
const (
	DefaultBudget       = 1 << 30  // 1 GiB of stored images
	DefaultMaxBytes     = 10 << 20 // 10 MiB per remote file
	DefaultMaxPixels    = 16_000_000
	DefaultRetryAfter   = 10 * time.Minute
	DefaultMaxDimension = 1920
	DefaultFetches      = 4
)

// MaxURLLength bounds the remote URLs the cache takes: longer ones are
// shown as no image.
const MaxURLLength = 2048

// touchEvery is how stale a stored image's last use may get before a
// request writes it again: least-recently-used to the hour is enough,
// and most image requests then write nothing.
const touchEvery = time.Hour

// settingURLKey is the node_settings key of the HMAC key of cache URLs.
const settingURLKey = "media_url_key"

// Errors of Open.
var (
	// ErrUnknown is a URL the node did not make (the MAC does not
	// check, or it does not decode): answered 404 without a fetch.
	ErrUnknown = errors.New("media: unknown image")
	// ErrUnavailable is an image the node could not fetch or refused
	// (too large, not an image, a forbidden address), now or within
	// the retry period.
	ErrUnavailable = errors.New("media: remote image unavailable")
)

// Config configures a Cache.
type Config struct {
	// Store keeps the stored images, under Prefix (the node's media
	// store: the data directory, or an S3 bucket shared by the nodes of
	// one database, where a node serves an image another one fetched).
	Store  mediastore.Store
	Prefix string // mediastore.CachePrefix with the node's store
	// Dir, when Store is nil, holds the stored files (tests); it is
	// created 0700.
	Dir string
	// Reads serves the lookups of every image request; nil means the
	// database New is given. On SQLite it is the read pool, so that
	// serving images does not queue behind the one writer connection.
	Reads *bun.DB
	// Transport configures the fetching client; the guard, timeouts and
	// redirect limit are the federation transport's.
	Transport transport.Config
	// LocalMedia is the absolute URL prefix of the node's own uploads
	// (scheme://domain/media/); URLs under it are served as uploads.
	LocalMedia string
	// Budget is the most bytes of stored images; least recently used ones
	// are evicted past it.
	Budget int64
	// MaxBytes is the largest remote file fetched.
	MaxBytes int64
	// MaxPixels is the largest image (width × height) decoded.
	MaxPixels int
	// MaxDimension: stored images are scaled down to fit a square of
	// this many pixels.
	MaxDimension int
	// RetryAfter is how long a failed fetch is remembered.
	RetryAfter time.Duration
	// Fetches bounds fetches (and decodes) running at once.
	Fetches int
	Log     *slog.Logger
	Now     func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxPixels <= 0 {
		c.MaxPixels = DefaultMaxPixels
	}
	if c.MaxDimension <= 0 {
		c.MaxDimension = DefaultMaxDimension
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.Fetches <= 0 {
		c.Fetches = DefaultFetches
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Cache fetches, stores and serves images from other servers.
type Cache struct {
	cfg    Config
	db     *bun.DB
	reads  *bun.DB
	client *transport.Client
	key    []byte
	flight singleflight.Group
	slots  chan struct{}
	evict  sync.Mutex // one eviction pass at a time
}

// New opens the cache: it creates Dir, loads (or creates) the key that
// signs cache URLs, and evicts down to the budget (which may have been
// lowered since the last start).
func New(ctx context.Context, db *bun.DB, cfg Config) (*Cache, error) {
	cfg = cfg.withDefaults()
	if cfg.Store == nil {
		if cfg.Dir == "" {
			return nil, errors.New("media cache: no store")
		}
		cfg.Store, cfg.Prefix = mediastore.NewDir(cfg.Dir), ""
	}
	if d, ok := cfg.Store.(*mediastore.Dir); ok {
		dir := d.Path(strings.TrimSuffix(cfg.Prefix, "/"))
		if cfg.Prefix == "" {
			dir = d.Root()
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("media cache: create %s: %w", dir, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil { // whatever the umask, or an older directory
			return nil, fmt.Errorf("media cache: %w", err)
		}
	}
	key, err := loadKey(ctx, db, cfg.Now())
	if err != nil {
		return nil, err
	}
	reads := cfg.Reads
	if reads == nil {
		reads = db
	}
	c := &Cache{
		cfg: cfg, db: db, reads: reads, key: key,
		client: transport.New(cfg.Transport),
		slots:  make(chan struct{}, cfg.Fetches),
	}
	if err := c.evictExcept(ctx, ""); err != nil {
		return nil, err
	}
	return c, nil
}

// loadKey returns the node's URL-signing key, creating it on first use;
// two processes starting at once agree on one.
func loadKey(ctx context.Context, db bun.IDB, now time.Time) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // never fails (crypto/rand)
	if _, err := storage.SetSettingIfAbsent(ctx, db, now, settingURLKey, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("media cache: %w", err)
	}
	v, err := storage.GetSetting(ctx, db, settingURLKey)
	if err != nil {
		return nil, fmt.Errorf("media cache: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("media cache: setting %s is not a hex key", settingURLKey)
	}
	return key, nil
}

// URL is the node-relative URL a page shows for an image at remote: the
// upload's own path for the node's uploads, the cache URL for another
// server's image, and "" for anything else (not an absolute http(s) URL,
// userinfo, too long) — the page then shows a placeholder.
func (c *Cache) URL(remote string) string {
	if remote == "" || len(remote) > MaxURLLength {
		return ""
	}
	if c.cfg.LocalMedia != "" {
		if rel, ok := strings.CutPrefix(remote, c.cfg.LocalMedia); ok {
			if rel == "" || strings.ContainsAny(rel, "?#") {
				return ""
			}
			return "/media/" + rel
		}
	}
	u, err := url.Parse(remote)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return "/media/remote/" + c.sign(remote) + "/" + base64.RawURLEncoding.EncodeToString([]byte(remote))
}

// sign is the MAC of a remote URL, 128 bits in base64url.
func (c *Cache) sign(remote string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("kith media\x00"))
	m.Write([]byte(remote))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Resolve checks a cache URL's parts (as URL made them) and returns the
// remote URL, or ErrUnknown.
func (c *Cache) Resolve(sig, enc string) (string, error) {
	if len(enc) > base64.RawURLEncoding.EncodedLen(MaxURLLength) {
		return "", ErrUnknown
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", ErrUnknown
	}
	remote := string(raw)
	if !hmac.Equal([]byte(sig), []byte(c.sign(remote))) {
		return "", ErrUnknown
	}
	return remote, nil
}

// Object is a stored image, open for reading and seeking (Range
// requests). Close it.
type Object struct {
	io.ReadSeekCloser
	Key       string // in the store
	MediaType string
	ETag      string // quoted, from the content hash
	Size      int64
	ModTime   time.Time
}

// Open returns the image a cache URL names, fetching it on a miss.
// Concurrent requests for one image share one fetch. ErrUnknown: the URL
// was not made by the node; ErrUnavailable: the image cannot be had now.
func (c *Cache) Open(ctx context.Context, sig, enc string) (*Object, error) {
	remote, err := c.Resolve(sig, enc)
	if err != nil {
		return nil, err
	}
	hash := urlHash(remote)
	for attempt := 0; ; attempt++ {
		row, err := storage.RemoteMediaByHash(ctx, c.reads, hash)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return nil, err
		case row.Stored():
			obj, err := c.open(ctx, row)
			if err == nil {
				c.touch(ctx, row)
				return obj, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			// Evicted meanwhile (by this node or another sharing the
			// store), or lost: fetch it again.
		case c.cfg.Now().Sub(row.FailedAt) < c.cfg.RetryAfter:
			return nil, fmt.Errorf("%w: %s", ErrUnavailable, row.Failure)
		}
		if attempt > 0 {
			return nil, fmt.Errorf("%w: stored file vanished", ErrUnavailable)
		}
		// The fetch belongs to no one request: a visitor who leaves must
		// not cancel it for the others waiting on it.
		_, err, _ = c.flight.Do(hash, func() (any, error) {
			// A flight that ended between this request's lookup and now
			// has stored the image already: look again before fetching.
			if row, err := storage.RemoteMediaByHash(ctx, c.db, hash); err == nil && row.Stored() {
				if _, err := c.cfg.Store.Stat(ctx, c.objectKey(row.URLHash, row.MediaType)); err == nil {
					return nil, nil
				}
			}
			return nil, c.fetch(context.WithoutCancel(ctx), hash, remote)
		})
		if err != nil {
			return nil, err
		}
	}
}

// open opens a stored row's file.
func (c *Cache) open(ctx context.Context, row *storage.RemoteMedia) (*Object, error) {
	key := c.objectKey(row.URLHash, row.MediaType)
	obj, err := c.cfg.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if obj.Size != row.SizeBytes { // a partial or foreign object: not what the row describes
		obj.Close()
		return nil, fmt.Errorf("%w: %s has %d bytes, want %d", fs.ErrNotExist, key, obj.Size, row.SizeBytes)
	}
	return &Object{ReadSeekCloser: obj, Key: key, MediaType: row.MediaType, ETag: `"` + row.ContentHash + `"`, Size: row.SizeBytes, ModTime: row.FetchedAt}, nil
}

// touch records a use, at most once per touchEvery per image.
func (c *Cache) touch(ctx context.Context, row *storage.RemoteMedia) {
	now := c.cfg.Now()
	if now.Sub(row.LastUsedAt) < touchEvery {
		return
	}
	if err := storage.TouchRemoteMedia(ctx, c.db, row.URLHash, now); err != nil {
		c.cfg.Log.WarnContext(ctx, "media cache: record use", "err", err)
	}
}

// fetch gets, checks, re-encodes and stores one remote image, and records
// a failure for the retry period. A fetch that failed is ErrUnavailable.
func (c *Cache) fetch(ctx context.Context, hash, remote string) error {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	enc, err := c.Fetch(ctx, remote)
	<-c.slots
	now := c.cfg.Now()
	if err != nil {
		c.cfg.Log.InfoContext(ctx, "media cache: fetch failed", "url", remote, "err", err)
		if rerr := storage.RecordRemoteMediaFailure(ctx, c.db, hash, remote, err.Error(), now); rerr != nil {
			return rerr
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := c.cfg.Store.Put(ctx, c.objectKey(hash, enc.MediaType), enc.Data, mediastore.PutOptions{
		ContentType: enc.MediaType, CacheControl: CacheControl,
	}); err != nil {
		return fmt.Errorf("media cache: %w", err)
	}
	sum := sha256.Sum256(enc.Data)
	row := &storage.RemoteMedia{
		URLHash: hash, URL: remote, ContentHash: hex.EncodeToString(sum[:]),
		MediaType: enc.MediaType, Width: enc.Width, Height: enc.Height, SizeBytes: int64(len(enc.Data)),
		FetchedAt: now, LastUsedAt: now,
	}
	if err := storage.StoreRemoteMedia(ctx, c.db, row); err != nil {
		return err
	}
	return c.evictExcept(ctx, hash)
}

// Fetch gets the image at remote and re-encodes it: the bytes the cache
// would store. Errors say why the image was refused.
func (c *Cache) Fetch(ctx context.Context, remote string) (Encoded, error) {
	data, err := c.client.GetMedia(ctx, remote, c.cfg.MaxBytes)
	if err != nil {
		return Encoded{}, err
	}
	return Reencode(data, c.cfg.MaxPixels, c.cfg.MaxDimension, c.cfg.MaxDimension)
}

// objectKey is where an image is stored: PREFIX/ab/abcdef….png.
func (c *Cache) objectKey(hash, mediaType string) string {
	ext := ".png"
	if mediaType == "image/jpeg" {
		ext = ".jpg"
	}
	return c.cfg.Prefix + hash[:2] + "/" + hash + ext
}

// CacheControl is how long browsers (and a CDN) keep a cached image: a
// cache URL always names one remote URL; its bytes may change only when
// the node fetches it again after an eviction, which the ETag tells a
// revalidating browser.
const CacheControl = mediastore.CacheCacheControl

// Evict removes the least recently used images until the stored total is
// within nine tenths of the budget (so that one more fetch does not evict
// again at once), and forgets failures older than the retry period.
func (c *Cache) Evict(ctx context.Context) error { return c.evictExcept(ctx, "") }

// evictExcept is Evict sparing the image with URL hash keep (the one just
// fetched, which its request is about to serve).
func (c *Cache) evictExcept(ctx context.Context, keep string) error {
	c.evict.Lock()
	defer c.evict.Unlock()
	if _, err := storage.PruneRemoteMediaFailures(ctx, c.db, c.cfg.Now().Add(-c.cfg.RetryAfter)); err != nil {
		return err
	}
	total, err := storage.RemoteMediaBytes(ctx, c.db)
	if err != nil {
		return err
	}
	if total <= c.cfg.Budget {
		return nil
	}
	target := c.cfg.Budget - c.cfg.Budget/10
	for total > target {
		rows, err := storage.LeastRecentlyUsedRemoteMedia(ctx, c.db, 100)
		if err != nil {
			return err
		}
		evicted := 0
		for _, row := range rows {
			if total <= target {
				break
			}
			if row.URLHash == keep {
				continue
			}
			evicted++
			if err := storage.DeleteRemoteMedia(ctx, c.db, row.URLHash); err != nil {
				return err
			}
			if err := c.cfg.Store.Delete(ctx, c.objectKey(row.URLHash, row.MediaType)); err != nil {
				c.cfg.Log.WarnContext(ctx, "media cache: remove evicted file", "err", err)
			}
			total -= row.SizeBytes
		}
		if evicted == 0 {
			return nil // only the kept image is left: it may stay over the budget
		}
	}
	return nil
}

// urlHash is the cache row's key for a remote URL.
func urlHash(remote string) string {
	sum := sha256.Sum256([]byte(remote))
	return hex.EncodeToString(sum[:])
}
