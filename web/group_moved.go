package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// movedRedirect sends browsers visiting the public pages of a group that
// has moved to the new group. The ActivityPub documents (actor,
// collections, posts as JSON) stay served, so that servers can read
// movedTo; the members' own pages (/me) stay too, for members settling
// their affairs. The redirect is a 301 cached for an hour, not forever:
// browsers then follow a later move (to yet another address) too.
func (s *Server) movedRedirect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || wantsActivityJSON(r) {
			next.ServeHTTP(w, r)
			return
		}
		name := chi.URLParam(r, "name")
		rest := strings.TrimPrefix(r.URL.Path, "/groups/"+name)
		if rest == "/me" || strings.HasPrefix(rest, "/me/") {
			next.ServeHTTP(w, r)
			return
		}
		db := s.db
		if s.reads != nil {
			db = s.reads
		}
		g, err := storage.GroupByName(r.Context(), db, name)
		if err != nil || !g.Moved() {
			next.ServeHTTP(w, r) // the handler reports a missing group itself
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.Redirect(w, r, g.MovedTo, http.StatusMovedPermanently)
	})
}
