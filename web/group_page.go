package web

import (
	"net/http"
)

// groupPage serves the group's HTML page to browsers (package public).
func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, _ string) error {
	s.public.ServeGroup(w, r)
	return nil
}

// groupPostOrPage serves a group post: the Note to servers, its thread
// page to browsers.
func (s *Server) groupPostOrPage(w http.ResponseWriter, r *http.Request) error {
	if !wantsActivityJSON(r) {
		s.public.ServePost(w, r)
		return nil
	}
	return s.groupPost(w, r)
}
