package members

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// signOut ends this browser's session.
func (m *Members) signOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	if err := storage.DeleteMemberSession(ctx, m.db, cur.Group.ID, cur.Actor.ID, cur.Session.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	m.clearCookie(w, cur.Group.Name)
	http.Redirect(w, r, "/groups/"+cur.Group.Name, http.StatusSeeOther)
	return nil
}

// signOutEverywhere ends every session of the member in this group, this
// one included.
func (m *Members) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	n, err := storage.DeleteMemberSessions(ctx, m.db, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return err
	}
	m.log.InfoContext(ctx, "member signed out everywhere", "group", cur.Group.Name, "actor", cur.Actor.IRI, "sessions", n)
	m.clearCookie(w, cur.Group.Name)
	http.Redirect(w, r, "/groups/"+cur.Group.Name, http.StatusSeeOther)
	return nil
}

// endSession ends another of the member's sessions (a browser they no
// longer use); a session that is not theirs is 404.
func (m *Members) endSession(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	id := chi.URLParam(r, "id")
	if err := storage.DeleteMemberSession(ctx, m.db, cur.Group.ID, cur.Actor.ID, id); err != nil {
		return err
	}
	if id == cur.Session.ID {
		m.clearCookie(w, cur.Group.Name)
		http.Redirect(w, r, "/groups/"+cur.Group.Name, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, cookiePath(cur.Group.Name), http.StatusSeeOther)
	return nil
}
