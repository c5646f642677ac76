package public_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/federation/mediastore/mediastoretest"
	"github.com/kith-social/kith/web/public"
)

// Uploads in a bucket are served from the node's URL as those in the
// data directory are: streamed, with an ETag, Range and Cache-Control.
func TestMediaFromABucket(t *testing.T) {
	t.Parallel()
	store := mediastoretest.NewFake(t).Store(t)
	png := []byte("\x89PNG\r\n\x1a\n not really an image, but bytes in a bucket")
	if err := store.Put(context.Background(), "media/groups/g/profile/icon.png", png, mediastore.PutOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	p := public.New(public.Deps{Domain: domain, Scheme: "https", DataDir: t.TempDir(), MediaStore: store})
	r := chi.NewRouter()
	p.Routes(r)
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}

	res := get("/media/groups/g/profile/icon.png")
	etag := res.Header().Get("ETag")
	if res.Code != http.StatusOK || res.Body.String() != string(png) || etag == "" ||
		res.Header().Get("Content-Type") != "image/png" || res.Header().Get("Cache-Control") != mediastore.UploadCacheControl ||
		res.Header().Get("Last-Modified") == "" {
		t.Fatalf("GET = %d %v %q", res.Code, res.Header(), res.Body.String())
	}
	if res := get("/media/groups/g/profile/icon.png", "Range", "bytes=4-9"); res.Code != http.StatusPartialContent || res.Body.String() != string(png[4:10]) {
		t.Fatalf("Range = %d %q, want 206 %q", res.Code, res.Body.String(), png[4:10])
	}
	if res := get("/media/groups/g/profile/icon.png", "If-None-Match", etag); res.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match = %d, want 304", res.Code)
	}
	for _, path := range []string{"/media/groups/g/profile/missing.png", "/media/groups/../kith.db", "/media/groups/g/profile/", "/media/.hidden.png"} {
		if res := get(path); res.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.Code)
		}
	}
}
