// Package mediastore keeps the node's media files: uploaded images
// (keys under "media/") and the cache of other servers' images (keys under
// "media-cache/"). A [Store] is either the data directory ([Dir], the
// default: a key is a path under DATA) or an S3-compatible bucket ([S3],
// chosen by --media-store s3://…), which several nodes sharing one
// PostgreSQL database can share.
//
// Stored files are written once and never changed (an upload gets a new
// name when it changes), so a Store needs no locking and a plain copy of
// it is consistent.
package mediastore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Key prefixes of the two kinds of media.
const (
	UploadsPrefix = "media/"       // uploads: media/groups/ID/KIND/NAME.png
	CachePrefix   = "media-cache/" // other servers' images: media-cache/ab/HASH.png
)

// ErrNotExist is a key with no object; it is fs.ErrNotExist, so that
// errors.Is(err, fs.ErrNotExist) holds too.
var ErrNotExist = fs.ErrNotExist

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag is a quoted entity tag for HTTP: the bucket's for S3, one made
	// from the size and modification time for the directory.
	ETag string
	// SHA256 is the hex SHA-256 of the content when the store knows it
	// without reading it (S3 objects written by Kith carry it as
	// metadata); "" otherwise.
	SHA256 string
}

// Object is a stored object open for reading, seekable (S3 seeks by
// ranged requests), so that http.ServeContent answers Range requests from
// it. Close it.
type Object struct {
	io.ReadSeekCloser
	Info
}

// PutOptions are the headers an object is stored with; a bucket served to
// browsers through a CDN gives them out as they are.
type PutOptions struct {
	ContentType  string
	CacheControl string
}

// Store keeps media objects by key ("media/groups/…", "media-cache/…":
// slash-separated, relative, canonical, no dot segments).
type Store interface {
	// Put stores data under key, replacing any object there.
	Put(ctx context.Context, key string, data []byte, opts PutOptions) error
	// Get opens the object at key; ErrNotExist when there is none.
	Get(ctx context.Context, key string) (*Object, error)
	// Stat describes the object at key; ErrNotExist when there is none.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object at key; a missing object is no error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix, in no
	// promised order, until fn returns an error (which List returns).
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// String names the store for logs and messages (no credentials).
	String() string
}

// ValidKey reports whether key is a canonical relative key: no empty, "."
// or ".." segments, no hidden names, no backslashes or NUL.
func ValidKey(key string) bool {
	if key == "" || strings.ContainsAny(key, "\\\x00") || path.Clean("/"+key) != "/"+key {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}

// SHA256 is the hex SHA-256 of data, as Info.SHA256 holds it.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ReadAll reads a whole object and checks it against its size.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, Info, error) {
	obj, err := s.Get(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		return nil, Info{}, fmt.Errorf("media store: read %s: %w", key, err)
	}
	if int64(len(data)) != obj.Size {
		return nil, Info{}, fmt.Errorf("media store: read %s: %d bytes, want %d", key, len(data), obj.Size)
	}
	return data, obj.Info, nil
}

func badKey(key string) error {
	return fmt.Errorf("media store: invalid key %q: %w", key, errors.ErrUnsupported)
}
