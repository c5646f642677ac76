package public_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestMedia(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil, nil)
	png := []byte("\x89PNG\r\n\x1a\n fake image")
	write := func(rel string, b []byte) {
		t.Helper()
		p := filepath.Join(s.dataDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("media/groups/g/icon.png", png)
	write("media/.hidden.png", png)
	write("media/page.html.png", []byte("<script>alert(1)</script>"))
	write("media/notes.txt", []byte("not an image"))
	write("media/x.svg", []byte("<svg onload=alert(1)>"))
	write("secret.png", png) // in the data directory, outside media/
	write("kith.db", []byte("database"))
	if err := os.MkdirAll(filepath.Join(s.dataDir, "media", "dir.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(s.dataDir, "secret.png"), filepath.Join(s.dataDir, "media", "link.png")); err != nil {
		t.Fatal(err)
	}

	res := s.get("/media/groups/g/icon.png")
	if res.Status != http.StatusOK || res.Body != string(png) {
		t.Fatalf("GET icon = %d %q", res.Status, res.Body)
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/png",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "public, max-age=31536000, immutable",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// Content type from the extension, never sniffed from the bytes.
	if res := s.get("/media/page.html.png"); res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("page.html.png served as %q", res.Header.Get("Content-Type"))
	}

	for _, path := range []string{
		"/media/",
		"/media/groups",
		"/media/groups/",
		"/media/groups/g/",
		"/media/../secret.png",
		"/media/groups/../../secret.png",
		"/media/%2e%2e/secret.png",
		"/media/%2E%2E%2Fsecret.png",
		"/media/..%5csecret.png",
		"/media/groups/g/..%2f..%2f..%2fsecret.png",
		"/media//etc/passwd.png",
		"/media/./groups/g/icon.png",
		"/media/.hidden.png",
		"/media/notes.txt",
		"/media/x.svg",
		"/media/dir.png",
		"/media/link.png", // a symbolic link out of the directory
		"/media/icon.png%00.txt",
		"/media/../kith.db",
	} {
		t.Run(path, func(t *testing.T) {
			res := s.do(httptest.NewRequest(http.MethodGet, "http://kith.test"+path, nil))
			if res.Status != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404: %q", path, res.Status, res.Body)
			}
		})
	}
}
