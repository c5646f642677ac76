package httpsig

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Clock skew tolerated on Date: Mastodon accepts signatures up to 12 hours
// old; an hour ahead covers badly set clocks.
const (
	MaxAge    = 12 * time.Hour
	MaxFuture = time.Hour
)

// PublicKey is a verification key and the actor that owns it.
type PublicKey struct {
	ID    string
	Owner string // the actor IRI that owns the key
	Key   crypto.PublicKey
}

// KeyResolver finds the public key for a keyId. With refresh set it must
// bypass any cache and fetch again, because keys rotate.
type KeyResolver interface {
	ResolveKey(ctx context.Context, keyID string, refresh bool) (PublicKey, error)
}

// KeyResolverFunc adapts a function to KeyResolver.
type KeyResolverFunc func(ctx context.Context, keyID string, refresh bool) (PublicKey, error)

// ResolveKey calls f.
func (f KeyResolverFunc) ResolveKey(ctx context.Context, keyID string, refresh bool) (PublicKey, error) {
	return f(ctx, keyID, refresh)
}

// Verify checks the HTTP signature of r, whose body has already been read
// into body. It requires (request-target), host and date to be signed, and
// digest too when there is a body; checks the Digest against body and the
// Date against now; then resolves the key and verifies the signature,
// resolving once more with refresh=true if the cached key does not match.
//
// Verify only proves who signed the request. The caller must check that the
// returned key's Owner is the actor of the activity (or is allowed to act
// for it).
func Verify(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, now time.Time) (PublicKey, error) {
	raw, err := signatureValue(r.Header)
	if err != nil {
		return PublicKey{}, err
	}
	p, err := parseSignatureHeader(raw)
	if err != nil {
		return PublicKey{}, err
	}
	alg := strings.ToLower(p.Algorithm)
	switch alg {
	case "", "rsa-sha256", "hs2019":
	default:
		return PublicKey{}, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, p.Algorithm)
	}
	required := []string{"(request-target)", "host", "date"}
	if len(body) > 0 {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !slices.Contains(p.Headers, h) {
			return PublicKey{}, fmt.Errorf("%w: %s", ErrUnsignedHeader, h)
		}
	}
	if err := checkDate(r.Header.Get("Date"), now); err != nil {
		return PublicKey{}, err
	}
	if p.Expires != "" {
		exp, err := strconv.ParseInt(p.Expires, 10, 64)
		if err != nil {
			return PublicKey{}, fmt.Errorf("%w: bad expires %q", ErrMalformedSignature, p.Expires)
		}
		if now.Unix() > exp {
			return PublicKey{}, fmt.Errorf("%w: signature expired", ErrDateOutOfRange)
		}
	}
	if len(body) > 0 || slices.Contains(p.Headers, "digest") {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return PublicKey{}, err
		}
	}
	sig, err := base64.StdEncoding.DecodeString(p.Signature)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: signature is not base64", ErrMalformedSignature)
	}
	msg, err := signingString(r, p)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: %w", ErrMalformedSignature, err)
	}

	pk, err := keys.ResolveKey(ctx, p.KeyID, false)
	if err != nil {
		return PublicKey{}, fmt.Errorf("httpsig: resolve key %q: %w", p.KeyID, err)
	}
	if err = verifyWith(pk, alg, msg, sig); err == nil {
		return pk, nil
	}
	// The key may have rotated since it was cached: fetch it again, once.
	pk, rerr := keys.ResolveKey(ctx, p.KeyID, true)
	if rerr != nil {
		return PublicKey{}, fmt.Errorf("httpsig: refresh key %q after %w: %w", p.KeyID, err, rerr)
	}
	if err := verifyWith(pk, alg, msg, sig); err != nil {
		return PublicKey{}, err
	}
	return pk, nil
}

// signatureValue returns the Signature header, or the parameters of an
// "Authorization: Signature …" header.
func signatureValue(h http.Header) (string, error) {
	if s := h.Get("Signature"); s != "" {
		return s, nil
	}
	a := h.Get("Authorization")
	if a == "" {
		return "", ErrMissingSignature
	}
	scheme, rest, _ := strings.Cut(a, " ")
	if !strings.EqualFold(scheme, "Signature") {
		return "", fmt.Errorf("%w: Authorization scheme is not Signature", ErrMissingSignature)
	}
	return rest, nil
}

func checkDate(v string, now time.Time) error {
	if v == "" {
		return fmt.Errorf("%w: no Date header", ErrDateOutOfRange)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return fmt.Errorf("%w: unparseable Date %q", ErrDateOutOfRange, v)
	}
	if now.Sub(t) > MaxAge {
		return fmt.Errorf("%w: Date %s is older than %s", ErrDateOutOfRange, v, MaxAge)
	}
	if t.Sub(now) > MaxFuture {
		return fmt.Errorf("%w: Date %s is in the future", ErrDateOutOfRange, v)
	}
	return nil
}

// checkDigest accepts one or more "ALG=base64" entries, possibly in several
// headers. Every SHA-256/SHA-512 entry must match; others are ignored; at
// least one must be known.
func checkDigest(values []string, body []byte) error {
	known := 0
	for _, v := range values {
		for entry := range strings.SplitSeq(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(entry), "=")
			if !ok {
				return fmt.Errorf("%w: malformed Digest entry", ErrDigestMismatch)
			}
			var sum []byte
			switch strings.ToUpper(alg) {
			case "SHA-256":
				s := sha256.Sum256(body)
				sum = s[:]
			case "SHA-512":
				s := sha512.Sum512(body)
				sum = s[:]
			default:
				continue
			}
			known++
			got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
			if err != nil || string(got) != string(sum) {
				return fmt.Errorf("%w: %s does not match the body", ErrDigestMismatch, alg)
			}
		}
	}
	if known == 0 {
		return fmt.Errorf("%w: no SHA-256 or SHA-512 Digest", ErrDigestMismatch)
	}
	return nil
}

func verifyWith(pk PublicKey, alg, msg string, sig []byte) error {
	switch k := pk.Key.(type) {
	case *rsa.PublicKey:
		h := sha256.Sum256([]byte(msg))
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		return nil
	case ed25519.PublicKey:
		// Only hs2019 (or no algorithm) lets the key type decide.
		if alg == "rsa-sha256" {
			return fmt.Errorf("%w: rsa-sha256 with an Ed25519 key", ErrUnsupportedAlgorithm)
		}
		if !ed25519.Verify(k, []byte(msg), sig) {
			return ErrBadSignature
		}
		return nil
	case nil:
		return errors.New("httpsig: resolver returned no key")
	default:
		return fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pk.Key)
	}
}
