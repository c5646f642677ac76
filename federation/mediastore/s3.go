package mediastore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// metaSHA256 is the user metadata (x-amz-meta-sha256) holding an object's
// SHA-256, which `kith media migrate` compares instead of the ETag: an
// ETag is the MD5 of the content only for single-part, unencrypted
// uploads.
const metaSHA256 = "Sha256"

// S3Config is a bucket on an S3-compatible service, as --media-store
// names it (ParseS3URL).
type S3Config struct {
	Bucket   string
	Prefix   string // prepended to every key ("" or ending in "/")
	Endpoint string // host[:port]; default s3.amazonaws.com
	Secure   bool   // https (the default); http only when the URL says so
	Region   string
	// PathStyle addresses the bucket as ENDPOINT/BUCKET rather than
	// BUCKET.ENDPOINT (MinIO, SeaweedFS, Garage and most self-hosted
	// services want it).
	PathStyle bool
	// Creds are the credentials; nil reads the AWS_* environment
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then
	// the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
	// ~/.aws/credentials, profile AWS_PROFILE).
	Creds *credentials.Credentials
	// Transport is the HTTP transport (tests); nil is minio-go's default.
	Transport http.RoundTripper
}

// ParseS3URL reads s3://BUCKET[/PREFIX]?endpoint=HOST[:PORT]&region=R&path-style=true.
// endpoint may be a URL (http://127.0.0.1:9000): its scheme picks plain
// HTTP or TLS; a bare host uses TLS. Credentials are never part of the URL.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, fmt.Errorf("media store: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" {
		return S3Config{}, fmt.Errorf("media store: %q is not s3://BUCKET[/PREFIX]?endpoint=…", raw)
	}
	if u.User != nil {
		return S3Config{}, errors.New("media store: put no credentials in the URL: use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a credentials file (AWS_SHARED_CREDENTIALS_FILE)")
	}
	c := S3Config{Bucket: u.Host, Endpoint: "s3.amazonaws.com", Secure: true}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if !ValidKey(p) {
			return S3Config{}, fmt.Errorf("media store: prefix %q is not a clean path", p)
		}
		c.Prefix = p + "/"
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "path-style":
		default:
			return S3Config{}, fmt.Errorf("media store: unknown parameter %q (endpoint, region, path-style)", k)
		}
	}
	if ep := q.Get("endpoint"); ep != "" {
		if strings.Contains(ep, "://") {
			eu, err := url.Parse(ep)
			if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" || strings.Trim(eu.Path, "/") != "" {
				return S3Config{}, fmt.Errorf("media store: endpoint %q is not http(s)://HOST[:PORT]", ep)
			}
			c.Endpoint, c.Secure = eu.Host, eu.Scheme == "https"
		} else {
			c.Endpoint = ep
		}
	}
	c.Region = q.Get("region")
	if ps := q.Get("path-style"); ps != "" {
		if c.PathStyle, err = strconv.ParseBool(ps); err != nil {
			return S3Config{}, fmt.Errorf("media store: path-style=%q is not true or false", ps)
		}
	}
	return c, nil
}

// S3 keeps objects in a bucket of an S3-compatible service (AWS S3, MinIO,
// SeaweedFS, Garage, R2, versitygw), through minio-go.
type S3 struct {
	cfg    S3Config
	client *minio.Client
}

// NewS3 connects to the bucket and checks that it exists (a missing
// bucket or wrong credentials fail here, at start-up, not on the first
// upload). Kith does not create the bucket: its access policy is the
// operator's choice.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	creds := cfg.Creds
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
		})
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: creds, Secure: cfg.Secure, Region: cfg.Region, BucketLookup: lookup, Transport: cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("media store: %w", err)
	}
	s := &S3{cfg: cfg, client: client}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media store: reach %s: %w", s, err)
	}
	if !ok {
		return nil, fmt.Errorf("media store: %s does not exist: create the bucket first", s)
	}
	return s, nil
}

func (s *S3) String() string {
	scheme := "https"
	if !s.cfg.Secure {
		scheme = "http"
	}
	return fmt.Sprintf("bucket %s/%s at %s://%s", s.cfg.Bucket, strings.TrimSuffix(s.cfg.Prefix, "/"), scheme, s.cfg.Endpoint)
}

// ObjectKey is the bucket key of a store key (the prefix added): what a
// CDN in front of the bucket serves it as.
func (s *S3) ObjectKey(key string) string { return s.cfg.Prefix + key }

// Put uploads data in one request, with its SHA-256 as metadata.
func (s *S3) Put(ctx context.Context, key string, data []byte, opts PutOptions) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	_, err := s.client.PutObject(ctx, s.cfg.Bucket, s.ObjectKey(key), bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:  opts.ContentType,
		CacheControl: opts.CacheControl,
		UserMetadata: map[string]string{"sha256": SHA256(data)},
	})
	if err != nil {
		return fmt.Errorf("media store: put %s: %w", key, err)
	}
	return nil
}

// Get opens the object; reads are made lazily, and a Seek makes the next
// read a ranged GET, so a Range request fetches only its bytes.
func (s *S3) Get(ctx context.Context, key string) (*Object, error) {
	if !ValidKey(key) {
		return nil, ErrNotExist
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.ObjectKey(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.err("get", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s.err("get", key, err)
	}
	return &Object{ReadSeekCloser: obj, Info: s.info(key, st)}, nil
}

// Stat asks for the object's headers (HEAD).
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if !ValidKey(key) {
		return Info{}, ErrNotExist
	}
	st, err := s.client.StatObject(ctx, s.cfg.Bucket, s.ObjectKey(key), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.err("stat", key, err)
	}
	return s.info(key, st), nil
}

// Delete removes the object (S3 answers a missing one with success).
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.ObjectKey(key), minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s.err("delete", key, err), ErrNotExist) {
			return nil
		}
		return fmt.Errorf("media store: delete %s: %w", key, err)
	}
	return nil
}

// List lists the bucket under the prefix, a page of keys at a time.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn stops early
	for o := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.Prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("media store: list %s: %w", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, s.cfg.Prefix)
		if strings.HasSuffix(key, "/") {
			continue // a "directory" marker some tools make
		}
		if err := fn(s.info(key, o)); err != nil {
			return err
		}
	}
	return nil
}

func (s *S3) info(key string, o minio.ObjectInfo) Info {
	in := Info{Key: key, Size: o.Size, ModTime: o.LastModified}
	if o.ETag != "" {
		in.ETag = `"` + strings.Trim(o.ETag, `"`) + `"`
	}
	for k, v := range o.UserMetadata {
		if strings.EqualFold(k, metaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+metaSHA256) {
			in.SHA256 = strings.ToLower(v)
		}
	}
	return in
}

// err maps a missing object (or bucket) to ErrNotExist.
func (s *S3) err(op, key string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("media store: %s %s: %w", op, key, ErrNotExist)
	}
	return fmt.Errorf("media store: %s %s: %w", op, key, err)
}
