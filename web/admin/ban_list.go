package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// bansPage lists who is banned from a group.
type bansPage struct {
	Nav  groupNav
	Bans []storage.Ban
}

func (a *Admin) banList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "bans")
	if err != nil {
		return err
	}
	bans, err := storage.ListBans(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "bans", &page{Title: "Bans in " + g.Title, Nav: "groups", Data: bansPage{Nav: nav, Bans: bans}})
}
