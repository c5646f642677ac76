package public

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
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

func mediaDir(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "media")
}

// serveMedia serves an uploaded image from DataDir/media. The path must be
// clean (no "..", no "." segments, no hidden files, no backslashes) and
// name an image file; the file is opened through os.Root, so neither ".."
// nor a symbolic link can reach outside the directory. Directories are
// never listed. Uploads get a new name when they change, so a file may be
// cached for long.
func (p *Public) serveMedia(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.URL.Path, "/media/") // decoded: %2e%2e is ".." here, and refused
	ctype, ok := mediaTypes[strings.ToLower(path.Ext(name))]
	if !ok || p.mediaDir == "" || !cleanMediaPath(name) {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(p.mediaDir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			p.log.ErrorContext(r.Context(), "open media directory", "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	// Opened on its own, an image must not become a document that runs anything.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(w, r, "", st.ModTime(), f)
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
