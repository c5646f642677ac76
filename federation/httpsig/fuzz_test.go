package httpsig

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParseSignatureHeader checks that no input panics and that whatever
// parses survives a format/parse round trip.
func FuzzParseSignatureHeader(f *testing.F) {
	f.Add(`keyId="https://a.example/u#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2ln"`)
	f.Add(`keyId=k,signature=s`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseSignatureHeader(s)
		if err != nil {
			return
		}
		formatted := formatSignatureHeader(p)
		if len(formatted) > maxHeaderLen {
			// Formatting quotes every value and spells out algorithm and
			// headers: a header that parsed just under the limit may come
			// back over it, and a refusal then is right.
			return
		}
		q, err := parseSignatureHeader(formatted)
		if err != nil {
			t.Fatalf("reparse of %q: %v", formatted, err)
		}
		if q.KeyID != p.KeyID || q.Algorithm != p.Algorithm || q.Signature != p.Signature || !slices.Equal(q.Headers, p.Headers) {
			t.Fatalf("round trip changed %+v into %+v", p, q)
		}
	})
}

// FuzzVerify feeds arbitrary Signature, Date and Digest headers and bodies
// to Verify: it must return an error, never panic.
func FuzzVerify(f *testing.F) {
	priv := loadKey(f, "rsa1.pem")
	keys := &staticKeys{first: &priv.PublicKey}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Add(`keyId="k",headers="(request-target) host date digest",signature="c2ln"`, "Sun, 01 Jun 2025 12:00:00 GMT", "SHA-256=abc=", []byte("{}"))
	f.Add(`keyId="k",headers="(created) (expires)",created=1,expires=2,signature="c2ln"`, "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, sig, date, digest string, body []byte) {
		r, err := http.NewRequest("POST", "https://kith.example/inbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Signature", sig)
		r.Header.Set("Date", date)
		r.Header.Set("Digest", digest)
		if strings.HasPrefix(sig, "A") {
			r.Header.Set("Authorization", "Signature "+sig)
			r.Header.Del("Signature")
		}
		if _, err := Verify(context.Background(), r, body, keys, now); err == nil {
			t.Fatalf("forged request verified: %q", sig)
		}
	})
}
