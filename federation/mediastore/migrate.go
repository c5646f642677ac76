package mediastore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Cache-Control of the two kinds of media, stored with each object so that
// a CDN in front of a bucket gives them out as the node does.
const (
	UploadCacheControl = "public, max-age=31536000, immutable" // an upload gets a new name when it changes
	CacheCacheControl  = "public, max-age=604800"              // a cached image may be fetched anew after an eviction
)

// CacheControlOf is the Cache-Control an object of key is stored with.
func CacheControlOf(key string) string {
	if strings.HasPrefix(key, CachePrefix) {
		return CacheCacheControl
	}
	return UploadCacheControl
}

// TypeOf is the media type of an image key by its extension; "" for
// anything else.
func TypeOf(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".avif":
		return "image/avif"
	}
	return ""
}

// CopyResult counts what Copy did.
type CopyResult struct {
	Copied, Skipped, Failed int
	Bytes                   int64 // copied
}

// CopyEvent is one object Copy dealt with, for progress output.
type CopyEvent struct {
	Key    string
	Action string // "copied", "skipped" (already there, same size and SHA-256) or "failed"
	Err    error
}

// Copy copies every object under the prefixes from src to dst, for
// `kith media migrate`. It is resumable: an object already in dst with the
// same size and SHA-256 is skipped, so a run stopped half-way is simply run
// again. Each object copied is read back from dst and compared byte for
// byte (by SHA-256) before it counts. Nothing is deleted from src. A
// failed object is reported and the copy goes on; Copy returns an error
// when any failed, or when listing fails.
func Copy(ctx context.Context, src, dst Store, prefixes []string, report func(CopyEvent)) (CopyResult, error) {
	var res CopyResult
	if report == nil {
		report = func(CopyEvent) {}
	}
	for _, prefix := range prefixes {
		err := src.List(ctx, prefix, func(in Info) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			action, n, err := copyOne(ctx, src, dst, in.Key)
			switch {
			case err != nil:
				res.Failed++
				action = "failed"
			case action == "skipped":
				res.Skipped++
			default:
				res.Copied++
				res.Bytes += n
			}
			report(CopyEvent{Key: in.Key, Action: action, Err: err})
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("media store: %d objects could not be copied (run again to retry them)", res.Failed)
	}
	return res, nil
}

func copyOne(ctx context.Context, src, dst Store, key string) (string, int64, error) {
	data, _, err := ReadAll(ctx, src, key)
	if err != nil {
		return "", 0, err
	}
	sum := SHA256(data)
	if have, err := dst.Stat(ctx, key); err == nil && have.Size == int64(len(data)) && have.SHA256 == sum {
		return "skipped", 0, nil
	} else if err != nil && !errors.Is(err, ErrNotExist) {
		return "", 0, err
	}
	if err := dst.Put(ctx, key, data, PutOptions{ContentType: TypeOf(key), CacheControl: CacheControlOf(key)}); err != nil {
		return "", 0, err
	}
	back, info, err := ReadAll(ctx, dst, key)
	if err != nil {
		return "", 0, fmt.Errorf("verify %s: %w", key, err)
	}
	if !bytes.Equal(back, data) || (info.SHA256 != "" && info.SHA256 != sum) {
		return "", 0, fmt.Errorf("verify %s: the stored object differs from the file", key)
	}
	return "copied", int64(len(data)), nil
}
