package public_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
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

// Before setup, the home page tells whoever opens it where the setup link
// is; once an owner exists it does not.
func TestHomePageBeforeSetup(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newSite(t, db, nil)
		mustContain(t, "home before setup", s.get("/").Body, "This node is not set up yet", "Set up this node")
		if err := storage.CreateStaff(context.Background(), db, time.Now(), &storage.Staff{Username: "olive", PasswordHash: "x", Role: storage.RoleOwner}); err != nil {
			t.Fatal(err)
		}
		res := s.get("/")
		mustContain(t, "home after setup", res.Body, "There are no public groups here yet.")
		mustNotContain(t, "home after setup", res.Body, "not set up yet")
	})
}
