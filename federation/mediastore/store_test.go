package mediastore_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/mediastore/mediastoretest"
)

// stores are the implementations every behaviour is checked on: the data
// directory, the in-process S3 fake and, when configured, a real server.
func stores(t *testing.T) []struct {
	name  string
	store func(t *testing.T) mediastore.Store
} {
	return []struct {
		name  string
		store func(t *testing.T) mediastore.Store
	}{
		{"dir", func(t *testing.T) mediastore.Store { return mediastore.NewDir(t.TempDir()) }},
		{"s3-fake", func(t *testing.T) mediastore.Store { return mediastoretest.NewFake(t).Store(t) }},
		{"s3-real", func(t *testing.T) mediastore.Store { return mediastoretest.Real(t) }},
	}
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, tc := range stores(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store(t)
			data := []byte("\x89PNG not really, but bytes all the same")
			key := "media/groups/g1/posts/abc.png"
			if _, err := s.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("Stat before Put: %v, want ErrNotExist", err)
			}
			if _, err := s.Get(ctx, key); !errors.Is(err, mediastore.ErrNotExist) {
				t.Fatalf("Get before Put: %v, want ErrNotExist", err)
			}
			if err := s.Put(ctx, key, data, mediastore.PutOptions{ContentType: "image/png"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, "media-cache/ab/abcd.jpg", []byte("jpeg"), mediastore.PutOptions{ContentType: "image/jpeg"}); err != nil {
				t.Fatal(err)
			}
			got, info, err := mediastore.ReadAll(ctx, s, key)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(data) || info.Size != int64(len(data)) || info.ETag == "" || info.ModTime.IsZero() {
				t.Fatalf("read back %q %+v", got, info)
			}

			// Seek then read: what http.ServeContent does for a Range.
			obj, err := s.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := obj.Seek(5, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 3)
			if _, err := io.ReadFull(obj, part); err != nil || string(part) != string(data[5:8]) {
				t.Fatalf("ranged read %q, %v; want %q", part, err, data[5:8])
			}
			obj.Close()

			var keys []string
			if err := s.List(ctx, mediastore.UploadsPrefix, func(in mediastore.Info) error {
				keys = append(keys, in.Key)
				if in.Size != int64(len(data)) {
					t.Errorf("listed %s with size %d", in.Key, in.Size)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys, []string{key}) {
				t.Fatalf("List(media/) = %q, want only %s", keys, key)
			}
			stop := errors.New("stop")
			if err := s.List(ctx, "", func(mediastore.Info) error { return stop }); !errors.Is(err, stop) {
				t.Fatalf("List stopped by fn: %v", err)
			}

			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete of a missing object: %v", err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, mediastore.ErrNotExist) {
				t.Fatalf("Stat after Delete: %v", err)
			}
		})
	}
}

func TestStoreRefusesBadKeys(t *testing.T) {
	ctx := context.Background()
	for _, tc := range stores(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store(t)
			for _, key := range []string{"", "../x.png", "media/../../x.png", "/abs.png", "media/.hidden.png", "media//x.png", `media\x.png`} {
				if err := s.Put(ctx, key, []byte("x"), mediastore.PutOptions{}); err == nil {
					t.Errorf("Put(%q) succeeded", key)
				}
				if _, err := s.Get(ctx, key); !errors.Is(err, mediastore.ErrNotExist) {
					t.Errorf("Get(%q) = %v, want ErrNotExist", key, err)
				}
			}
		})
	}
}

// The directory store serves no file through a symbolic link out of its
// root, and lists no temporary files.
func TestDirStaysInside(t *testing.T) {
	ctx := context.Background()
	root, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.png"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "media"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(root, "media", "link.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "media", ".put-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := mediastore.NewDir(root)
	if _, err := s.Get(ctx, "media/link.png"); !errors.Is(err, mediastore.ErrNotExist) {
		t.Fatalf("Get through a symlink out of the root: %v", err)
	}
	n := 0
	if err := s.List(ctx, "media/", func(mediastore.Info) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("List listed %d (err %v), want nothing", n, err)
	}
	if err := s.Put(ctx, "media/groups/g/x.png", []byte("x"), mediastore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(root, "media", "groups", "g", "x.png"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stored file: %v %v, want mode 0600", st, err)
	}
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		raw  string
		want mediastore.S3Config
		bad  bool
	}{
		{raw: "s3://media", want: mediastore.S3Config{Bucket: "media", Endpoint: "s3.amazonaws.com", Secure: true}},
		{raw: "s3://media/kith/node1?endpoint=http://127.0.0.1:9000&region=garage&path-style=true",
			want: mediastore.S3Config{Bucket: "media", Prefix: "kith/node1/", Endpoint: "127.0.0.1:9000", Region: "garage", PathStyle: true}},
		{raw: "s3://media?endpoint=fsn1.your-objectstorage.com&region=fsn1",
			want: mediastore.S3Config{Bucket: "media", Endpoint: "fsn1.your-objectstorage.com", Secure: true, Region: "fsn1"}},
		{raw: "s3://key:secret@media", bad: true},
		{raw: "s3://media?endpoint=ftp://x", bad: true},
		{raw: "s3://media?path-style=maybe", bad: true},
		{raw: "s3://media?acl=public", bad: true},
		{raw: "s3://media/../x", bad: true},
		{raw: "https://media", bad: true},
		{raw: "s3:///x", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := mediastore.ParseS3URL(tc.raw)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A missing bucket is refused when the store is opened, not at the first
// upload.
func TestNewS3MissingBucket(t *testing.T) {
	f := mediastoretest.NewFake(t)
	cfg, err := mediastore.ParseS3URL("s3://no-such-bucket?endpoint=" + f.Server.URL + "&path-style=true")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Creds = mediastoretest.Creds()
	if _, err := mediastore.NewS3(context.Background(), cfg); err == nil {
		t.Fatal("opened a missing bucket")
	}
}
