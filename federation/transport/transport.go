// Package transport is the node's outgoing HTTP client for federation:
// signed GETs of ActivityPub documents, unsigned WebFinger look-ups and
// signed POSTs to inboxes. It enforces URL rules, response size limits,
// redirect limits, an overall timeout and an SSRF guard that checks the
// address actually dialled, so DNS rebinding and redirects cannot reach
// private networks.
package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/kith-social/kith/federation/httpsig"
)

// Errors returned (wrapped) by Client methods. Match them with errors.Is.
var (
	ErrInvalidURL       = errors.New("transport: invalid URL")
	ErrForbiddenAddress = errors.New("transport: forbidden address")
	ErrTooLarge         = errors.New("transport: response too large")
	ErrTooManyRedirects = errors.New("transport: too many redirects")
	ErrNotFound         = errors.New("transport: not found")
	ErrGone             = errors.New("transport: gone")
)

// Accept headers servers expect for ActivityPub and WebFinger.
const (
	AcceptActivity  = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	AcceptJRD       = "application/jrd+json, application/json"
	ContentActivity = "application/activity+json"
)

// Defaults for zero Config fields.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxRedirects = 3
	DefaultUserAgent    = "Kith (+https://github.com/kith-social/kith)"
)

// Config configures a Client. Zero values take the defaults above.
type Config struct {
	// InsecureHTTP allows http:// URLs (development and tests only); it
	// also makes WebFinger use http://.
	InsecureHTTP bool
	// AllowPrivateNetworks turns the SSRF guard off (tests, private
	// deployments).
	AllowPrivateNetworks bool
	Timeout              time.Duration
	MaxBodyBytes         int64
	// MaxRedirects is the number of redirects followed; negative means none.
	MaxRedirects int
	UserAgent    string
	// DialContext replaces the network dialer, e.g. to route host names to
	// in-process servers in tests. The SSRF guard still checks the remote
	// address of the connection it returns.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs, if set, replaces the system roots (tests with a fake CA).
	RootCAs *x509.CertPool
	// Now stamps signatures; defaults to time.Now.
	Now func() time.Time
	// SignSlots bounds the RSA signatures made at once; 0 means one per
	// CPU (GOMAXPROCS). Signing is pure CPU, so more at once cannot be
	// faster; it would only put dozens of runnable goroutines ahead of the
	// inbox and of whoever holds the database connection (measured in
	// docs/performance.md).
	SignSlots int
	// Yield, if set, tells whether the node has more urgent work (its
	// inbox is busy). While it does, requests made with a Background
	// context share at most half the signing slots and keep each idle for
	// backgroundPause times as long as their signature took, so a fan-out
	// of thousands of signatures cannot starve the inbox, and is not
	// starved by it either.
	Yield func() bool
}

type backgroundKey struct{}

// Background marks ctx as background work (fan-out deliveries): it yields
// signing slots to other work while Config.Yield says so.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// Client makes federation requests. It is safe for concurrent use.
type Client struct {
	cfg     Config
	hc      *http.Client
	slots   chan struct{} // see Config.SignSlots
	bgSlots chan struct{} // half of them, for background work while Yield
	// afterFunc is time.AfterFunc (replaced in tests to see the pause).
	afterFunc func(time.Duration, func()) *time.Timer
	// waiting, if set, is called when a request finds every slot it may
	// use taken and starts to wait (tests observe blocking through it
	// instead of guessing from elapsed time).
	waiting func()
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	} else if cfg.MaxRedirects < 0 {
		cfg.MaxRedirects = 0
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SignSlots <= 0 {
		cfg.SignSlots = runtime.GOMAXPROCS(0)
	}
	return &Client{
		cfg: cfg, hc: newHTTPClient(cfg),
		slots:     make(chan struct{}, cfg.SignSlots),
		bgSlots:   make(chan struct{}, max(1, cfg.SignSlots/2)),
		afterFunc: time.AfterFunc,
	}
}

// backgroundPause: while the node has more urgent work, a background
// signing slot stays taken for seven times as long as its signature took
// after the signature is made, so fan-outs use at most an eighth of a
// core per slot. Half the slots alone (the first version) still let
// fan-outs take a whole core of two — a third of the node's CPU during an
// inbox burst — and a quarter of a core per slot was still an eighth of
// the node's CPU (docs/performance.md), while every announce they deliver
// is safe in the queue and goes out at full speed once the burst is over.
const backgroundPause = 7

// sign signs req when a signing slot is free.
func (c *Client) sign(ctx context.Context, req *http.Request, body []byte, key httpsig.Key) error {
	bg, _ := ctx.Value(backgroundKey{}).(bool)
	if !bg || c.cfg.Yield == nil || !c.cfg.Yield() {
		return c.signNow(ctx, req, body, key)
	}
	if err := c.take(ctx, c.bgSlots); err != nil {
		return err
	}
	start := time.Now()
	err := c.signNow(ctx, req, body, key)
	// The request goes now; its slot comes back after the pause.
	c.afterFunc(backgroundPause*time.Since(start), func() { <-c.bgSlots })
	return err
}

func (c *Client) signNow(ctx context.Context, req *http.Request, body []byte, key httpsig.Key) error {
	if err := c.take(ctx, c.slots); err != nil {
		return err
	}
	defer func() { <-c.slots }()
	return httpsig.Sign(req, body, key, c.cfg.Now())
}

func (c *Client) take(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	if c.waiting != nil {
		c.waiting()
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StatusError is a non-2xx answer. It matches ErrNotFound (404) and
// ErrGone (410) with errors.Is.
type StatusError struct {
	Code       int
	RetryAfter time.Duration // from Retry-After, 0 if absent
}

func (e *StatusError) Error() string {
	s := "transport: HTTP " + strconv.Itoa(e.Code)
	if t := http.StatusText(e.Code); t != "" {
		s += " " + t
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, ErrGone) work.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Code == http.StatusNotFound
	case ErrGone:
		return e.Code == http.StatusGone
	}
	return false
}

// Permanent reports whether retrying cannot help: a 4xx other than 408
// (timeout) and 429 (rate limited).
func (e *StatusError) Permanent() bool {
	return e.Code >= 400 && e.Code < 500 && e.Code != http.StatusRequestTimeout && e.Code != http.StatusTooManyRequests
}

func statusError(resp *http.Response, now time.Time) *StatusError {
	return &StatusError{Code: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now)}
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
