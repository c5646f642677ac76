package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

func (a *Admin) inviteRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	if err := storage.DeleteInvite(ctx, a.db, g.ID, chiParam(r, "invite")); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/moderators")
}
