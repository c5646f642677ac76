package public

import (
	"errors"
	"net/http"
	"path"
	"strings"

	"github.com/kith-social/kith/federation/mediastore"
)

// mediaTypes are the only files /media/ serves, by extension; the type is
// set from this table, never sniffed.
var mediaTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
}

// serveMedia serves an uploaded image from the media store (the data
// directory's media/, or the bucket), streamed, with Range requests, an
// ETag and Last-Modified. The path must be clean (no "..", no "."
// segments, no hidden files, no backslashes) and name an image file; the
// directory store opens it through os.Root, so neither ".." nor a
// symbolic link can reach outside the directory. Directories are never
// listed. Uploads get a new name when they change, so a file may be
// cached for long.
func (p *Public) serveMedia(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.URL.Path, "/media/") // decoded: %2e%2e is ".." here, and refused
	ctype, ok := mediaTypes[strings.ToLower(path.Ext(name))]
	if !ok || p.store == nil || !cleanMediaPath(name) {
		http.NotFound(w, r)
		return
	}
	obj, err := p.store.Get(r.Context(), mediastore.UploadsPrefix+name)
	if err != nil {
		if !errors.Is(err, mediastore.ErrNotExist) {
			p.log.ErrorContext(r.Context(), "media store", "err", err)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "The image could not be loaded.", http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", mediastore.UploadCacheControl)
	if obj.ETag != "" {
		h.Set("ETag", obj.ETag)
	}
	// Opened on its own, an image must not become a document that runs anything.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(w, r, "", obj.ModTime, obj)
}

// cleanMediaPath accepts a/b/c.png: relative, canonical, no hidden or dot
// segments, no backslashes or NUL.
func cleanMediaPath(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || path.Clean("/"+name) != "/"+name {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}
