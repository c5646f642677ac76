package transport

import (
	"context"
	"fmt"
)

// AcceptImage is the Accept header of media fetches.
const AcceptImage = "image/png, image/jpeg, image/gif, image/webp;q=0.9, image/*;q=0.5"

// GetMedia fetches a file (an avatar, an attachment) unsigned, with the
// same guard as every other request — no private or loopback addresses
// unless allowed, the client's timeout and redirect limit — and at most
// maxBytes of body: a larger Content-Length is refused before the body is
// read, and a body that runs past maxBytes is cut off with ErrTooLarge.
// What the bytes are is the caller's to check; the response's
// Content-Type is not trusted and not returned.
func (c *Client) GetMedia(ctx context.Context, rawURL string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("transport: GetMedia %s: limit %d must be positive", rawURL, maxBytes)
	}
	return c.get(ctx, rawURL, AcceptImage, nil, maxBytes)
}
