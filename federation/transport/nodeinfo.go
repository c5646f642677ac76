package transport

import (
	"context"
	"fmt"
	"strings"
)

// maxNodeInfoBytes bounds a NodeInfo document (real ones are a few KiB).
const maxNodeInfoBytes = 256 << 10

// GetWellKnown fetches https://host/.well-known/<name> (http:// with
// InsecureHTTP), unsigned, as JSON: the NodeInfo links document, say.
func (c *Client) GetWellKnown(ctx context.Context, host, name string) ([]byte, error) {
	if host == "" || strings.ContainsAny(host, "/?#@\\ ") {
		return nil, fmt.Errorf("%w: host %q", ErrInvalidURL, host)
	}
	scheme := "https"
	if c.cfg.InsecureHTTP {
		scheme = "http"
	}
	return c.get(ctx, scheme+"://"+host+"/.well-known/"+name, AcceptJRD, nil, maxNodeInfoBytes)
}

// GetPlainJSON fetches a JSON document that is not ActivityPub (a NodeInfo
// document), unsigned, through the same guards as every fetch.
func (c *Client) GetPlainJSON(ctx context.Context, iri string) ([]byte, error) {
	return c.get(ctx, iri, "application/json", nil, maxNodeInfoBytes)
}
