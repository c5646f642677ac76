package mediastore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Dir keeps objects as files under a directory (the data directory: the
// key media/groups/… is the file DATA/media/groups/…), written to a
// temporary file (0600) and renamed into place, in directories made 0700.
// Reads go through os.Root, so no key or symbolic link reaches outside.
type Dir struct {
	root string
}

// NewDir returns the store of the files under root; root is created when
// the first object is put.
func NewDir(root string) *Dir { return &Dir{root: root} }

// Root is the directory.
func (d *Dir) Root() string { return d.root }

func (d *Dir) String() string { return "directory " + d.root }

// Path is the file of key.
func (d *Dir) Path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

// Put writes data to a temporary file beside the key's file and renames it
// into place.
func (d *Dir) Put(_ context.Context, key string, data []byte, _ PutOptions) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	dst := d.Path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".put-*") // 0600
	if err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600) // whatever the umask: Kith serves it, no one else reads it
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("media store: store %s: %w", dst, err)
	}
	return nil
}

// Get opens key's file through os.Root; a directory or anything but a
// regular file is ErrNotExist.
func (d *Dir) Get(_ context.Context, key string) (*Object, error) {
	if !ValidKey(key) {
		return nil, ErrNotExist
	}
	root, err := os.OpenRoot(d.root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotExist
		}
		return nil, fmt.Errorf("media store: %w", err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		// Missing, or refused by os.Root (a link out of the root): both
		// are no object here, as the node always answered them (404).
		return nil, fmt.Errorf("media store: %w: %w", ErrNotExist, err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotExist
	}
	return &Object{ReadSeekCloser: f, Info: fileInfo(key, st)}, nil
}

// Stat describes key's file.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	obj, err := d.Get(ctx, key)
	if err != nil {
		return Info{}, err
	}
	obj.Close()
	return obj.Info, nil
}

// Delete removes key's file.
func (d *Dir) Delete(_ context.Context, key string) error {
	if !ValidKey(key) {
		return badKey(key)
	}
	if err := os.Remove(d.Path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media store: %w", err)
	}
	return nil
}

// List walks the files under the directory of prefix (temporary and
// hidden files left out).
func (d *Dir) List(ctx context.Context, prefix string, fn func(Info) error) error {
	start := d.root
	if dir := path.Dir(prefix + "x"); dir != "." {
		start = d.Path(dir)
	}
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") && p != start {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		st, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile
			}
			return err
		}
		return fn(fileInfo(key, st))
	})
	if err != nil {
		return fmt.Errorf("media store: list %s: %w", prefix, err)
	}
	return nil
}

// fileInfo describes a file; its ETag is its modification time and size,
// as web servers make them for static files (files are never rewritten in
// place, so that changes with the content).
func fileInfo(key string, st fs.FileInfo) Info {
	etag := `"` + strconv.FormatInt(st.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(st.Size(), 36) + `"`
	return Info{Key: key, Size: st.Size(), ModTime: st.ModTime(), ETag: etag}
}
