package httpsig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Key is a private signing key and the IRI under which its public half is
// published (e.g. https://kith.example/groups/demo#main-key).
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// Options control which headers are signed and how the algorithm is named.
// The zero value is not useful; Sign picks Mastodon's choices. SignWith
// exists so tests can imitate other servers (Misskey's header order,
// GoToSocial's "hs2019").
type Options struct {
	// Headers to sign, in order, lower-case; pseudo-header "(request-target)"
	// included. "host", "date" and "digest" are set on the request by SignWith.
	Headers []string
	// Algorithm written in the header; "" means "rsa-sha256".
	Algorithm string
}

// Sign signs r as Mastodon does: it sets Date (from now) and Host, and for
// a POST or a non-empty body sets Digest: SHA-256=… and signs
// "(request-target) host date digest"; otherwise it signs
// "(request-target) host date", plus "accept" when r has an Accept header.
// body must be exactly the bytes that will be sent; Sign does not touch
// r.Body. Signing again replaces the previous signature (redirects).
func Sign(r *http.Request, body []byte, key Key, now time.Time) error {
	headers := []string{"(request-target)", "host", "date"}
	if len(body) > 0 || r.Method == http.MethodPost {
		headers = append(headers, "digest")
	} else if r.Header.Get("Accept") != "" {
		headers = append(headers, "accept")
	}
	return SignWith(r, body, key, now, Options{Headers: headers})
}

// SignWith signs r over opts.Headers. See Sign.
func SignWith(r *http.Request, body []byte, key Key, now time.Time, opts Options) error {
	if key.Private == nil || key.ID == "" {
		return errors.New("httpsig: sign: key has no private key or no id")
	}
	if len(opts.Headers) == 0 {
		return errors.New("httpsig: sign: no headers to sign")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	r.Host = host
	// Go's client sends r.Host, not Header["Host"]; the header is set so the
	// signed value is visible to whoever inspects the request.
	r.Header.Set("Host", host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	if slices.Contains(opts.Headers, "digest") {
		sum := sha256.Sum256(body)
		r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	}
	alg := opts.Algorithm
	if alg == "" {
		alg = "rsa-sha256"
	}
	p := params{KeyID: key.ID, Algorithm: alg, Headers: opts.Headers}
	s, err := signingString(r, p)
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	h := sha256.Sum256([]byte(s))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.Private, crypto.SHA256, h[:])
	if err != nil {
		return fmt.Errorf("httpsig: sign: %w", err)
	}
	p.Signature = base64.StdEncoding.EncodeToString(sig)
	r.Header.Del("Authorization")
	r.Header.Set("Signature", formatSignatureHeader(p))
	return nil
}

// signingString builds the string that is signed, one "name: value" line
// per signed header.
func signingString(r *http.Request, p params) (string, error) {
	var b strings.Builder
	for i, h := range p.Headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(h)
		b.WriteString(": ")
		switch h {
		case "(request-target)":
			b.WriteString(strings.ToLower(r.Method))
			b.WriteByte(' ')
			b.WriteString(requestTarget(r))
		case "(created)":
			if p.Created == "" {
				return "", errors.New("(created) signed but no created parameter")
			}
			b.WriteString(p.Created)
		case "(expires)":
			if p.Expires == "" {
				return "", errors.New("(expires) signed but no expires parameter")
			}
			b.WriteString(p.Expires)
		case "host":
			b.WriteString(hostOf(r))
		default:
			vs := r.Header.Values(h)
			if len(vs) == 0 {
				return "", fmt.Errorf("signed header %q is missing", h)
			}
			for j, v := range vs {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(v))
			}
		}
	}
	return b.String(), nil
}

// requestTarget is the path and query as sent on the request line. On the
// server r.URL is parsed from that line, so both sides agree.
func requestTarget(r *http.Request) string {
	if r.URL == nil {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// hostOf returns the Host the request was (or will be) sent with. Go's
// server moves the header into r.Host; a client request may only have it
// in the URL.
func hostOf(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if h := r.Header.Get("Host"); h != "" {
		return h
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}
