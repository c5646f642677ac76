package members

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Router mounts m's pages as the node does, for tests that run them
// without the rest of the node.
func Router(m *Members) http.Handler {
	r := chi.NewRouter()
	r.Route("/groups/{name}", m.GroupRoutes)
	return r
}
