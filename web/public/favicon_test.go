package public_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kith-social/kith/storage/storagetest"
	"github.com/uptrace/bun"
)

// Browsers ask for /favicon.ico on every page load; the node answers with
// its icon, and the pages link it.
func TestFavicon(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		fixtures{t, db}.group("gardeners", nil)
		s := newSite(t, db, nil)
		res := s.get("/favicon.ico")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(res.Body, "<svg") {
			t.Errorf("/favicon.ico = %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		page := s.get("/groups/gardeners")
		mustContain(t, "group page", page.Body, `<link rel="icon" type="image/svg+xml" href="/static/public/favicon.svg?v=`)
	})
}
