// Package mediastoretest gives tests an S3 bucket: an in-process fake
// (gofakes3) for unit tests, and a real S3-compatible server for the
// integration tests, named by the environment:
//
//	KITH_TEST_S3='s3://kith-test?endpoint=http://127.0.0.1:7070&path-style=true'
//	AWS_ACCESS_KEY_ID=…  AWS_SECRET_ACCESS_KEY=…
//
// .ci/run starts versitygw and sets them. Without KITH_TEST_S3 a test
// that needs the real server skips, saying why; under CI=true it fails.
package mediastoretest

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kith-social/kith/federation/mediastore"
)

// EnvURL names the real server's bucket (a --media-store URL).
const EnvURL = "KITH_TEST_S3"

// Fake is an in-process S3 server with one bucket.
type Fake struct {
	Bucket string
	// URL is the --media-store URL of the bucket (credentials: any, given
	// by Creds or the AWS_* environment).
	URL    string
	Server *httptest.Server
}

// NewFake starts gofakes3 (in memory) with one bucket, closed when the
// test ends.
func NewFake(t testing.TB) *Fake {
	t.Helper()
	backend := s3mem.New()
	const bucket = "kith-media"
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	return &Fake{Bucket: bucket, Server: srv,
		URL: "s3://" + bucket + "?endpoint=" + srv.URL + "&path-style=true&region=us-east-1"}
}

// Creds are static credentials the fake accepts (it checks none).
func Creds() *credentials.Credentials {
	return credentials.NewStaticV4("kith-test", "kith-test-secret", "")
}

// Store opens the fake's bucket under its own random prefix.
func (f *Fake) Store(t testing.TB) *mediastore.S3 {
	t.Helper()
	return open(t, f.URL, Creds())
}

// RealURL is the real server's bucket URL with a random prefix of its own
// (so that tests sharing the bucket do not see each other's objects), or
// "" after skipping the test; under CI=true a missing server fails it.
func RealURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv(EnvURL)
	if raw == "" {
		msg := "no S3-compatible server: set " + EnvURL + " (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) as .ci/run does"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — required in CI")
		}
		t.Skip("SKIPPED LOUDLY: " + msg)
		return ""
	}
	cfg, err := mediastore.ParseS3URL(raw)
	if err != nil {
		t.Fatal(err)
	}
	ensureBucket(t, cfg)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + cfg.Prefix + "test-" + strings.ToLower(rand.Text()[:12])
	return u.String()
}

// Real opens the real server's bucket under a random prefix (RealURL).
func Real(t testing.TB) *mediastore.S3 {
	t.Helper()
	return open(t, RealURL(t), nil)
}

func open(t testing.TB, raw string, creds *credentials.Credentials) *mediastore.S3 {
	t.Helper()
	cfg, err := mediastore.ParseS3URL(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "test-" + strings.ToLower(rand.Text()[:12]) + "/"
	}
	cfg.Creds = creds
	s, err := mediastore.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ensureBucket creates the real server's bucket if it is missing.
func ensureBucket(t testing.TB, cfg mediastore.S3Config) {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewEnvAWS(),
		Secure: cfg.Secure, Region: cfg.Region, BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		t.Fatalf("S3 server of %s: %v", EnvURL, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			// Another test package may have made it meanwhile.
			if ok, _ := c.BucketExists(ctx, cfg.Bucket); !ok {
				t.Fatalf("create bucket %s: %v", cfg.Bucket, err)
			}
		}
	}
}
