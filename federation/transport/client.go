package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kith-social/kith/federation/httpsig"
)

// Get fetches an ActivityPub document. When key is not nil the request is
// signed with it (the node's instance actor), so servers in
// authorized-fetch mode answer. Redirects are followed up to MaxRedirects,
// each hop re-validated and re-signed. A 404 matches ErrNotFound, a 410
// ErrGone, any other non-2xx is a *StatusError.
func (c *Client) Get(ctx context.Context, iri string, key *httpsig.Key) ([]byte, error) {
	return c.get(ctx, iri, AcceptActivity, key, c.cfg.MaxBodyBytes)
}

// GetJSON is Get followed by json.Unmarshal into v.
func (c *Client) GetJSON(ctx context.Context, iri string, key *httpsig.Key, v any) error {
	b, err := c.Get(ctx, iri, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("transport: decode %s: %w", iri, err)
	}
	return nil
}

// GetWebFinger asks host (which may include a port) about resource (e.g.
// "acct:alice@example.com"). WebFinger is never signed.
func (c *Client) GetWebFinger(ctx context.Context, resource, host string) ([]byte, error) {
	if host == "" || strings.ContainsAny(host, "/?#@\\ ") {
		return nil, fmt.Errorf("%w: host %q", ErrInvalidURL, host)
	}
	scheme := "https"
	if c.cfg.InsecureHTTP {
		scheme = "http"
	}
	u := scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape(resource)
	return c.get(ctx, u, AcceptJRD, nil, c.cfg.MaxBodyBytes)
}

func (c *Client) get(ctx context.Context, iri, accept string, key *httpsig.Key, maxBytes int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u, err := c.checkURL(iri)
	if err != nil {
		return nil, err
	}
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		if key != nil {
			if err := c.sign(ctx, req, nil, *key); err != nil {
				return nil, fmt.Errorf("transport: sign GET %s: %w", u, err)
			}
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("transport: GET %s: %w", u, err)
		}
		if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" {
			discard(resp)
			if hop >= c.cfg.MaxRedirects {
				return nil, fmt.Errorf("%w: GET %s after %d", ErrTooManyRedirects, iri, hop)
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("%w: redirect from %s to %q: %w", ErrInvalidURL, u, loc, err)
			}
			if u, err = c.checkURL(next.String()); err != nil {
				return nil, fmt.Errorf("transport: redirect from %s: %w", iri, err)
			}
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			discard(resp)
			return nil, fmt.Errorf("transport: GET %s: %w", u, statusError(resp, c.cfg.Now()))
		}
		body, err := readLimited(resp, maxBytes)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("transport: GET %s: %w", u, err)
		}
		return body, nil
	}
}

// Post delivers an activity to an inbox, signed with key. It returns nil on
// 2xx and a *StatusError otherwise (redirects are not followed: an inbox
// that moves is an error the delivery job should see).
func (c *Client) Post(ctx context.Context, inbox string, body []byte, key httpsig.Key) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u, err := c.checkURL(inbox)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	req.Header.Set("Content-Type", ContentActivity)
	req.Header.Set("Accept", AcceptActivity)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if err := c.sign(ctx, req, body, key); err != nil {
		return fmt.Errorf("transport: sign POST %s: %w", u, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("transport: POST %s: %w", u, err)
	}
	discard(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("transport: POST %s: %w", u, statusError(resp, c.cfg.Now()))
	}
	return nil
}

// checkURL applies the URL rules: absolute https (or http when
// InsecureHTTP), a host, no userinfo. The fragment is dropped (key IRIs
// carry one).
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !c.cfg.InsecureHTTP {
			return nil, fmt.Errorf("%w: %q: http is not allowed", ErrInvalidURL, raw)
		}
	default:
		return nil, fmt.Errorf("%w: %q: scheme must be https", ErrInvalidURL, raw)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q: no host", ErrInvalidURL, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: %q: userinfo is not allowed", ErrInvalidURL, raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func readLimited(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w: Content-Length %d > %d", ErrTooLarge, resp.ContentLength, max)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// discard reads a little of an unwanted body so the connection can be
// reused, then closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
