// Package httpsig signs and verifies HTTP requests the way the fediverse
// does: draft-cavage-http-signatures with rsa-sha256 over
// "(request-target) host date digest", a SHA-256 Digest of the body, and a
// Date that must be recent.
//
// Signing and verifying are implemented here on top of crypto/rsa rather
// than with github.com/go-fed/httpsig v1.1.0 because that version always
// writes algorithm="hs2019" (Mastodon expects "rsa-sha256"), splits the
// Signature header naively on commas, checks (created) against the wall
// clock and returns untyped errors. The tests use go-fed/httpsig as an
// independent implementation to check that both agree.
//
// Verify authenticates the key, not the activity: the caller must check
// that the returned PublicKey.Owner is the actor of the activity it
// received.
package httpsig
