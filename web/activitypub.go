package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// wantsActivityJSON tells whether a client asked for ActivityStreams
// rather than HTML (content negotiation on the same URL).
func wantsActivityJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		// application/ld+json counts with or without the ActivityStreams
		// profile: no other JSON-LD is served here.
		switch mt {
		case "application/activity+json", "application/ld+json", "application/json":
			return true
		}
	}
	return false
}

// writeActivityJSON sends an ActivityStreams document.
func writeActivityJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", vocab.ContentType+"; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	_, _ = w.Write(body)
}

// instanceActor serves the instance actor. It is always readable without
// a signature: remote servers need its key to verify our signed GETs.
func (s *Server) instanceActor(w http.ResponseWriter, r *http.Request) error {
	body, err := s.fed.Community.Documents.InstanceActorDocument()
	if err != nil {
		return err
	}
	writeActivityJSON(w, body)
	return nil
}

// group serves a group: ActivityStreams to servers, the public page to browsers.
func (s *Server) group(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	if !wantsActivityJSON(r) {
		return s.groupPage(w, r, name)
	}
	if err := s.fed.Actors.AuthorizeFetch(r.Context(), r); err != nil {
		return err
	}
	body, err := s.fed.Community.Documents.GroupDocument(r.Context(), name)
	if err != nil {
		return err
	}
	writeActivityJSON(w, body)
	return nil
}

// groupCollection serves a group's outbox, followers, following, featured
// or moderators collection.
func (s *Server) groupCollection(collection string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.fed.Actors.AuthorizeFetch(r.Context(), r); err != nil {
			return err
		}
		body, err := s.fed.Community.Documents.GroupCollection(r.Context(), chi.URLParam(r, "name"), collection, r.URL.Query())
		if err != nil {
			return err
		}
		writeActivityJSON(w, body)
		return nil
	}
}

// groupActivity serves a public activity a group sent, or (undo) the
// group's Undo of one.
func (s *Server) groupActivity(undo bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.fed.Actors.AuthorizeFetch(r.Context(), r); err != nil {
			return err
		}
		iri := s.fed.IRI.Activity(chi.URLParam(r, "name"), chi.URLParam(r, "id"))
		if undo {
			iri = s.fed.IRI.Undo(iri)
		}
		body, err := s.fed.Community.Documents.ActivityDocument(r.Context(), iri)
		if err != nil {
			return err
		}
		writeActivityJSON(w, body)
		return nil
	}
}

// groupPost serves a post the group published: the Note to servers
// (browsers get its thread page).
func (s *Server) groupPost(w http.ResponseWriter, r *http.Request) error {
	body, err := s.fed.Community.Documents.PostDocument(r.Context(), r, chi.URLParam(r, "name"), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeActivityJSON(w, body)
	return nil
}

// groupPostActivity serves the Create that published a group post, under
// the post's own read rules.
func (s *Server) groupPostActivity(w http.ResponseWriter, r *http.Request) error {
	body, err := s.fed.Community.Documents.PostActivityDocument(r.Context(), r, chi.URLParam(r, "name"), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeActivityJSON(w, body)
	return nil
}

// instanceOutbox serves the instance actor's outbox, which its actor
// document names: an empty collection.
func (s *Server) instanceOutbox(w http.ResponseWriter, r *http.Request) error {
	body, err := s.fed.Community.Documents.InstanceOutboxDocument()
	if err != nil {
		return err
	}
	writeActivityJSON(w, body)
	return nil
}

// inbox receives activities for one group ({name} set) or for every group
// (the shared inbox). 202 means the activity is stored and queued.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {
	err := s.fed.Inbox.Receive(r.Context(), r, chi.URLParam(r, "name"))
	var fe *node.Error
	if err != nil && !errors.As(err, &fe) && !errors.Is(err, storage.ErrNotFound) {
		// Not a refusal: the activity could not be stored, almost always
		// because the database is unreachable or overloaded. 503 with
		// Retry-After asks the sender to come back; every server retries
		// a 5xx, so nothing is lost.
		s.log.WarnContext(r.Context(), "inbox unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(inboxRetryAfter))
		http.Error(w, "temporarily unable to accept activities, try again later", http.StatusServiceUnavailable)
		return nil
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// inboxRetryAfter is the Retry-After, in seconds, of an inbox that cannot
// store activities right now.
const inboxRetryAfter = 30

func (s *Server) webfinger(w http.ResponseWriter, r *http.Request) error {
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		return &node.Error{Status: http.StatusBadRequest, Reason: "the resource parameter is required"}
	}
	body, err := s.fed.WebFinger(r.Context(), resource)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(body)
	return nil
}

func (s *Server) hostMeta(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	_, _ = w.Write(s.fed.HostMeta())
	return nil
}

func (s *Server) nodeInfoLinks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(s.fed.NodeInfoLinks())
	return nil
}

func (s *Server) nodeInfo(version string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := s.fed.NodeInfo(r.Context(), version)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"`)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(body)
		return nil
	}
}

// handlerFunc is a handler that returns its error; handle maps errors to
// status codes in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var fe *node.Error
		switch {
		case errors.As(err, &fe):
			if fe.Status >= 500 {
				s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
			} else {
				s.log.InfoContext(r.Context(), "request refused", "path", r.URL.Path, "status", fe.Status, "err", err)
			}
			http.Error(w, fe.Reason, fe.Status)
		case errors.Is(err, storage.ErrNotFound):
			http.Error(w, "not found", http.StatusNotFound)
		default:
			s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}
}
