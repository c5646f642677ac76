package public_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// An event's cover image shows on its public page, from this node, with
// its description and size; an event without one shows no image.
func TestEventCoverImage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		s := newSite(t, db, nil)
		g := f.group("gardeners", nil)
		start := time.Now().Add(72 * time.Hour)
		covered := f.event(g, "Seed swap", start, func(e *storage.Event) {
			e.ImagePath, e.ImageAlt, e.ImageType, e.ImageWidth, e.ImageHeight = "groups/"+g.ID+"/events/abc.jpg", "Seed packets on a trestle table", "image/jpeg", 1200, 600
		})
		plain := f.event(g, "Pruning day", start.Add(time.Hour), nil)
		page := s.get("/groups/gardeners/events/" + covered.ID)
		if page.Status != http.StatusOK {
			t.Fatalf("event page: %d", page.Status)
		}
		mustContain(t, "event page", page.Body,
			`<img class="event-cover" src="/media/groups/`+g.ID+`/events/abc.jpg" alt="Seed packets on a trestle table" width="1200" height="600"`)
		mustNotContain(t, "plain event page", s.get("/groups/gardeners/events/"+plain.ID).Body, `class="event-cover"`)
	})
}
