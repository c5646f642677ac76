package admin

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/federation/community"
)

// postRemove takes a member's post out of the group (it stays on the
// author's server); the engine undoes the boost and tells group-aware
// servers.
func (a *Admin) postRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	p, err := a.groupPost(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	reason := f.Get("reason")
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return &httpError{http.StatusUnprocessableEntity, "Keep the reason to 1000 characters."}
	}
	err = a.moderation.RemovePost(ctx, p.ID, reason, staffOf(r))
	switch {
	case errors.Is(err, community.ErrInvalidPost):
		return &httpError{http.StatusUnprocessableEntity, invalidPostText(err)}
	case err != nil:
		return fmt.Errorf("remove post %s: %w", p.ID, err)
	}
	a.log.InfoContext(ctx, "post removed", "group", g.Name, "post", p.IRI, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/groups/"+g.Name+"/recent?done=removed")
}
