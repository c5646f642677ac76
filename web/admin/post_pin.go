package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
)

// postPin pins or unpins a public group post (the featured collection).
func (a *Admin) postPin(pinned bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		g := currentGroup(ctx)
		p, err := a.ownPost(r)
		if err != nil {
			return err
		}
		err = a.posting.SetPinned(ctx, p.ID, pinned, staffOf(r))
		switch {
		case errors.Is(err, community.ErrInvalidPost):
			return &httpError{http.StatusUnprocessableEntity, invalidPostText(err)}
		case err != nil:
			return fmt.Errorf("pin post %s: %w", p.ID, err)
		}
		done := "pinned"
		if !pinned {
			done = "unpinned"
		}
		return redirect(w, r, "/admin/groups/"+g.Name+"/posts?done="+done)
	}
}
