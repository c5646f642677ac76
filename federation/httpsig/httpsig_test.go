package httpsig

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gofed "github.com/go-fed/httpsig"
)

const (
	keyID1 = "https://kith.example/groups/demo#main-key"
	owner1 = "https://kith.example/groups/demo"
)

func loadKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// staticKeys resolves every keyId to one key and counts calls.
type staticKeys struct {
	mu       sync.Mutex
	first    *rsa.PublicKey // returned when refresh is false
	fresh    *rsa.PublicKey // returned when refresh is true
	err      error
	calls    int
	refreshs int
}

func (s *staticKeys) ResolveKey(_ context.Context, keyID string, refresh bool) (PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return PublicKey{}, s.err
	}
	k := s.first
	if refresh {
		s.refreshs++
		if s.fresh != nil {
			k = s.fresh
		}
	}
	return PublicKey{ID: keyID, Owner: strings.TrimSuffix(keyID, "#main-key"), Key: k}, nil
}

// verifyServer verifies every request it receives with keys and now, and
// reports the outcome on the returned channel.
func verifyServer(t *testing.T, keys KeyResolver, now time.Time) (*httptest.Server, <-chan error) {
	t.Helper()
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			results <- err
			return
		}
		pk, err := Verify(r.Context(), r, body, keys, now)
		if err == nil && pk.Owner != owner1 {
			err = errors.New("wrong owner " + pk.Owner)
		}
		results <- err
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func send(t *testing.T, r *http.Request, results <-chan error) error {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-results
}

func newRequest(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignVerifyRoundTrip(t *testing.T) {
	priv := loadKey(t, "rsa1.pem")
	key := Key{ID: keyID1, Private: priv}
	now := time.Now()
	body := []byte(`{"type":"Follow"}`)

	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		accept string
		sign   func(r *http.Request, body []byte) error
	}{
		{name: "post", method: "POST", path: "/inbox", body: body},
		{name: "get", method: "GET", path: "/users/alice"},
		{name: "get with accept", method: "GET", path: "/users/alice", accept: "application/activity+json"},
		{name: "query and escapes", method: "GET", path: "/objects/a%2Fb?page=true&x=%20"},
		{name: "authorization header", method: "POST", path: "/inbox", body: body, sign: func(r *http.Request, b []byte) error {
			if err := Sign(r, b, key, now); err != nil {
				return err
			}
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
			return nil
		}},
		{name: "hs2019", method: "POST", path: "/inbox", body: body, sign: func(r *http.Request, b []byte) error {
			return SignWith(r, b, key, now, Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "host", "date", "digest"}})
		}},
		{name: "misskey header order", method: "GET", path: "/users/alice", accept: "application/activity+json", sign: func(r *http.Request, b []byte) error {
			return SignWith(r, b, key, now, Options{Headers: []string{"(request-target)", "date", "host", "accept"}})
		}},
		{name: "no algorithm", method: "POST", path: "/inbox", body: body, sign: func(r *http.Request, b []byte) error {
			if err := Sign(r, b, key, now); err != nil {
				return err
			}
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="rsa-sha256",`, "", 1))
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, results := verifyServer(t, &staticKeys{first: &priv.PublicKey}, now)
			r := newRequest(t, tt.method, srv.URL+tt.path, tt.body)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			sign := tt.sign
			if sign == nil {
				sign = func(r *http.Request, b []byte) error { return Sign(r, b, key, now) }
			}
			if err := sign(r, tt.body); err != nil {
				t.Fatal(err)
			}
			if err := send(t, r, results); err != nil {
				t.Fatalf("verify: %v (Signature: %s)", err, r.Header.Get("Signature"))
			}
		})
	}
}

func TestSignHeaders(t *testing.T) {
	key := Key{ID: keyID1, Private: loadKey(t, "rsa1.pem")}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name, method, accept string
		body                 []byte
		wantHeaders          string
		wantDigest           bool
	}{
		{"post", "POST", "", []byte("{}"), `headers="(request-target) host date digest"`, true},
		{"get", "GET", "", nil, `headers="(request-target) host date"`, false},
		{"get accept", "GET", "application/activity+json", nil, `headers="(request-target) host date accept"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, tt.method, "https://remote.example:8443/inbox", tt.body)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if err := Sign(r, tt.body, key, now); err != nil {
				t.Fatal(err)
			}
			sig := r.Header.Get("Signature")
			for _, want := range []string{`keyId="` + keyID1 + `"`, `algorithm="rsa-sha256"`, tt.wantHeaders, `signature="`} {
				if !strings.Contains(sig, want) {
					t.Errorf("Signature %q lacks %q", sig, want)
				}
			}
			if got := r.Header.Get("Date"); got != "Sat, 01 Mar 2025 11:00:00 GMT" {
				t.Errorf("Date = %q", got)
			}
			if got := r.Header.Get("Host"); got != "remote.example:8443" || r.Host != got {
				t.Errorf("Host header %q, r.Host %q", got, r.Host)
			}
			if got := r.Header.Get("Digest"); (got != "") != tt.wantDigest || (tt.wantDigest && got != "SHA-256=RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=") {
				t.Errorf("Digest = %q", got)
			}
		})
	}
}

var errNoSuchKey = errors.New("no such key")

func TestVerifyRejects(t *testing.T) {
	priv := loadKey(t, "rsa1.pem")
	other := loadKey(t, "rsa2.pem")
	key := Key{ID: keyID1, Private: priv}
	now := time.Now()
	body := []byte(`{"type":"Create"}`)

	replaceSig := func(old, new string) func(r *http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), old, new, 1))
		}
	}
	tests := []struct {
		name     string
		method   string
		body     []byte
		signWith *Options  // instead of Sign
		signAt   time.Time // zero: now
		signKey  *rsa.PrivateKey
		mutate   func(r *http.Request)
		resolver *staticKeys
		want     error
	}{
		{name: "no signature", mutate: func(r *http.Request) { r.Header.Del("Signature") }, want: ErrMissingSignature},
		{name: "bearer authorization", mutate: func(r *http.Request) {
			r.Header.Del("Signature")
			r.Header.Set("Authorization", "Bearer abc")
		}, want: ErrMissingSignature},
		{name: "garbage", mutate: func(r *http.Request) { r.Header.Set("Signature", "garbage") }, want: ErrMalformedSignature},
		{name: "no keyId", mutate: replaceSig(`keyId="`+keyID1+`",`, ""), want: ErrMalformedSignature},
		{name: "unterminated quote", mutate: func(r *http.Request) { r.Header.Set("Signature", `keyId="abc,signature="x`) }, want: ErrMalformedSignature},
		{name: "duplicate keyId", mutate: func(r *http.Request) { r.Header.Set("Signature", `keyId="a",keyId="b",signature="x"`) }, want: ErrMalformedSignature},
		{name: "signature not base64", mutate: func(r *http.Request) {
			r.Header.Set("Signature", `keyId="`+keyID1+`",headers="(request-target) host date digest",signature="%%%"`)
		}, want: ErrMalformedSignature},
		{name: "signed header missing", signWith: &Options{Headers: []string{"(request-target)", "host", "date", "digest"}},
			mutate: replaceSig(`digest"`, `digest accept"`), want: ErrMalformedSignature},
		{name: "digest not signed", signWith: &Options{Headers: []string{"(request-target)", "host", "date"}}, want: ErrUnsignedHeader},
		{name: "host not signed", signWith: &Options{Headers: []string{"(request-target)", "date", "digest"}}, want: ErrUnsignedHeader},
		{name: "request-target not signed", signWith: &Options{Headers: []string{"host", "date", "digest"}}, want: ErrUnsignedHeader},
		{name: "default headers", mutate: replaceSig(`headers="(request-target) host date digest",`, ""), want: ErrUnsignedHeader},
		{name: "get without date signed", method: "GET", signWith: &Options{Headers: []string{"(request-target)", "host"}}, want: ErrUnsignedHeader},
		{name: "body tampered", mutate: func(r *http.Request) {
			b := []byte(`{"type":"Delete"}`)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}, want: ErrDigestMismatch},
		{name: "unknown digest algorithm only", mutate: func(r *http.Request) { r.Header.Set("Digest", "MD5=abc") }, want: ErrDigestMismatch},
		{name: "malformed digest", mutate: func(r *http.Request) { r.Header.Set("Digest", "SHA-256") }, want: ErrDigestMismatch},
		{name: "date too old", signAt: now.Add(-13 * time.Hour), want: ErrDateOutOfRange},
		{name: "date in future", signAt: now.Add(2 * time.Hour), want: ErrDateOutOfRange},
		{name: "date garbage", mutate: func(r *http.Request) { r.Header.Set("Date", "yesterday") }, want: ErrDateOutOfRange},
		{name: "date changed", mutate: func(r *http.Request) { r.Header.Set("Date", now.Add(-time.Minute).UTC().Format(http.TimeFormat)) }, want: ErrBadSignature},
		{name: "other key", signKey: other, want: ErrBadSignature},
		{name: "path changed", mutate: func(r *http.Request) { r.URL.Path = "/other" }, want: ErrBadSignature},
		{name: "hs2019 wrong key", signKey: other, signWith: &Options{Algorithm: "hs2019", Headers: []string{"(request-target)", "host", "date", "digest"}}, want: ErrBadSignature},
		{name: "rsa-sha512", mutate: replaceSig(`rsa-sha256`, `rsa-sha512`), want: ErrUnsupportedAlgorithm},
		{name: "hmac", mutate: replaceSig(`rsa-sha256`, `hmac-sha256`), want: ErrUnsupportedAlgorithm},
		{name: "resolver error", resolver: &staticKeys{err: errNoSuchKey}, want: errNoSuchKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.resolver
			if res == nil {
				res = &staticKeys{first: &priv.PublicKey}
			}
			srv, results := verifyServer(t, res, now)
			method, b := tt.method, tt.body
			if method == "" {
				method, b = "POST", body
			}
			r := newRequest(t, method, srv.URL+"/inbox", b)
			k := key
			if tt.signKey != nil {
				k.Private = tt.signKey
			}
			at := tt.signAt
			if at.IsZero() {
				at = now
			}
			var err error
			if tt.signWith != nil {
				err = SignWith(r, b, k, at, *tt.signWith)
			} else {
				err = Sign(r, b, k, at)
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.mutate != nil {
				tt.mutate(r)
			}
			err = send(t, r, results)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyDateEdges(t *testing.T) {
	priv := loadKey(t, "rsa1.pem")
	key := Key{ID: keyID1, Private: priv}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		signAt time.Time
		ok     bool
	}{
		{"now", now, true},
		{"12h old", now.Add(-MaxAge), true},
		{"just over 12h old", now.Add(-MaxAge - time.Second), false},
		{"1h ahead", now.Add(MaxFuture), true},
		{"just over 1h ahead", now.Add(MaxFuture + time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "GET", "https://kith.example/groups/demo", nil)
			if err := Sign(r, nil, key, tt.signAt); err != nil {
				t.Fatal(err)
			}
			_, err := Verify(context.Background(), r, nil, &staticKeys{first: &priv.PublicKey}, now)
			if tt.ok && err != nil {
				t.Fatalf("want success, got %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrDateOutOfRange) {
				t.Fatalf("want ErrDateOutOfRange, got %v", err)
			}
		})
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	oldKey := loadKey(t, "rsa1.pem")
	newKey := loadKey(t, "rsa2.pem")
	now := time.Now()
	body := []byte(`{}`)

	tests := []struct {
		name         string
		cached       *rsa.PublicKey
		fresh        *rsa.PublicKey
		wantErr      error
		wantCalls    int
		wantRefreshs int
	}{
		{name: "cached key current", cached: &newKey.PublicKey, fresh: &newKey.PublicKey, wantCalls: 1},
		{name: "rotated", cached: &oldKey.PublicKey, fresh: &newKey.PublicKey, wantCalls: 2, wantRefreshs: 1},
		{name: "still wrong after refresh", cached: &oldKey.PublicKey, fresh: &oldKey.PublicKey, wantErr: ErrBadSignature, wantCalls: 2, wantRefreshs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "POST", "https://kith.example/inbox", body)
			if err := Sign(r, body, Key{ID: keyID1, Private: newKey}, now); err != nil {
				t.Fatal(err)
			}
			res := &staticKeys{first: tt.cached, fresh: tt.fresh}
			_, err := Verify(context.Background(), r, body, res, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if res.calls != tt.wantCalls || res.refreshs != tt.wantRefreshs {
				t.Fatalf("resolver calls %d (refresh %d), want %d (%d)", res.calls, res.refreshs, tt.wantCalls, tt.wantRefreshs)
			}
		})
	}
}

// TestInteropGoFed checks our signatures against go-fed/httpsig, an
// independent implementation (GoToSocial's is a fork of it).
func TestInteropGoFed(t *testing.T) {
	priv := loadKey(t, "rsa1.pem")
	now := time.Now()
	body := []byte(`{"type":"Like"}`)

	t.Run("ours verified by go-fed", func(t *testing.T) {
		r := newRequest(t, "POST", "https://kith.example/inbox", body)
		if err := Sign(r, body, Key{ID: keyID1, Private: priv}, now); err != nil {
			t.Fatal(err)
		}
		v, err := gofed.NewVerifier(r)
		if err != nil {
			t.Fatal(err)
		}
		if v.KeyId() != keyID1 {
			t.Fatalf("keyId %q", v.KeyId())
		}
		if err := v.Verify(&priv.PublicKey, gofed.RSA_SHA256); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("go-fed verified by ours", func(t *testing.T) {
		srv, results := verifyServer(t, &staticKeys{first: &priv.PublicKey}, now)
		r := newRequest(t, "POST", srv.URL+"/inbox", body)
		r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
		r.Header.Set("Host", r.URL.Host)
		s, _, err := gofed.NewSigner([]gofed.Algorithm{gofed.RSA_SHA256}, gofed.DigestSha256,
			[]string{gofed.RequestTarget, "host", "date", "digest"}, gofed.Signature, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SignRequest(priv, keyID1, r, body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Header.Get("Signature"), `algorithm="hs2019"`) {
			t.Fatalf("expected go-fed to write hs2019: %s", r.Header.Get("Signature"))
		}
		if err := send(t, r, results); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseSignatureHeader(t *testing.T) {
	tests := []struct {
		in      string
		want    params
		wantErr bool
	}{
		{in: `keyId="https://a.example/u#k",algorithm="rsa-sha256",headers="(request-target) host date",signature="c2ln"`,
			want: params{KeyID: "https://a.example/u#k", Algorithm: "rsa-sha256", Headers: []string{"(request-target)", "host", "date"}, Signature: "c2ln"}},
		{in: ` keyId = "k,with,commas" , Signature="c2ln", headers="Host  DATE" `,
			want: params{KeyID: "k,with,commas", Headers: []string{"host", "date"}, Signature: "c2ln"}},
		{in: `keyId=k,signature=c2ln==,created=1700000000`,
			want: params{KeyID: "k", Headers: []string{"date"}, Signature: "c2ln==", Created: "1700000000"}},
		{in: `keyId="a\"b",signature="x",extra="ignored"`,
			want: params{KeyID: `a"b`, Headers: []string{"date"}, Signature: "x"}},
		{in: ``, wantErr: true},
		{in: `keyId`, wantErr: true},
		{in: `keyId="a"x,signature="s"`, wantErr: true},
		{in: `keyId="a",signature="s",headers=""`, wantErr: true},
		{in: `="a",keyId="a",signature="s"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSignatureHeader(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedSignature) {
					t.Fatalf("want ErrMalformedSignature, got %v (%+v)", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.KeyID != tt.want.KeyID || got.Algorithm != tt.want.Algorithm || got.Signature != tt.want.Signature ||
				got.Created != tt.want.Created || strings.Join(got.Headers, "|") != strings.Join(tt.want.Headers, "|") {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPEMRoundTrip(t *testing.T) {
	priv := loadKey(t, "rsa1.pem")
	s, err := PublicKeyPEM(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKeyPEM(s)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(k) {
		t.Fatal("round trip changed the key")
	}
	if _, err := ParsePublicKeyPEM("not pem"); err == nil {
		t.Fatal("want error")
	}
}

func BenchmarkSign(b *testing.B) {
	key := Key{ID: keyID1, Private: loadKey(b, "rsa1.pem")}
	body := bytes.Repeat([]byte("x"), 2048)
	now := time.Now()
	for b.Loop() {
		r := newRequest(b, "POST", "https://remote.example/inbox", body)
		if err := Sign(r, body, key, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	priv := loadKey(b, "rsa1.pem")
	key := Key{ID: keyID1, Private: priv}
	body := bytes.Repeat([]byte("x"), 2048)
	now := time.Now()
	r := newRequest(b, "POST", "https://remote.example/inbox", body)
	if err := Sign(r, body, key, now); err != nil {
		b.Fatal(err)
	}
	keys := &staticKeys{first: &priv.PublicKey}
	ctx := context.Background()
	for b.Loop() {
		if _, err := Verify(ctx, r, body, keys, now); err != nil {
			b.Fatal(err)
		}
	}
}
