package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/storage"
)

// memberUnban lifts a ban; the engine sends Undo{Block}. The account may
// then ask to join again.
func (a *Admin) memberUnban(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	actor, err := a.routeActor(r)
	if err != nil {
		return err
	}
	err = a.moderation.Unban(ctx, g.Name, actor.IRI, staffOf(r))
	if err != nil && !errors.Is(err, storage.ErrNotFound) { // lifted already: done
		return fmt.Errorf("unban %s in %s: %w", actor.IRI, g.Name, err)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/bans?done=unbanned")
}

// routeActor is the remote account the route's {actor} (its id) names.
func (a *Admin) routeActor(r *http.Request) (*storage.RemoteActor, error) {
	return storage.RemoteActorByID(r.Context(), a.db, chiParam(r, "actor"))
}
