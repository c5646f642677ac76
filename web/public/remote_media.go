package public

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/media"
)

// serveRemoteMedia serves an image from another server out of the node's
// media cache, fetching it on the first request. A URL the node did not
// make is a 404 without a fetch (the cache is no open proxy); an image
// that cannot be had is a 404 the browser may not keep, and the page's
// placeholder (initials under the avatar, the description of an
// attachment) shows instead.
func (p *Public) serveRemoteMedia(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if p.media == nil {
		http.NotFound(w, r)
		return
	}
	obj, err := p.media.Open(r.Context(), chi.URLParam(r, "sig"), chi.URLParam(r, "enc"))
	switch {
	case errors.Is(err, media.ErrUnknown):
		http.NotFound(w, r)
		return
	case errors.Is(err, media.ErrUnavailable):
		h.Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	case err != nil:
		p.log.ErrorContext(r.Context(), "media cache", "err", err)
		h.Set("Cache-Control", "no-store")
		http.Error(w, "The image could not be loaded.", http.StatusInternalServerError)
		return
	}
	defer obj.Close()
	h.Set("Content-Type", obj.MediaType)
	h.Set("ETag", obj.ETag)
	// A cache URL always names one remote URL; its bytes may change only
	// when the node fetches it again after an eviction, which the ETag
	// tells a revalidating browser.
	h.Set("Cache-Control", media.CacheControl)
	// Opened on its own, an image must not become a document that runs anything.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(w, r, "", obj.ModTime, obj)
}
