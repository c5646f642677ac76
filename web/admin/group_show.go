package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// groupPage is what the group pages show about their group.
type groupPage struct {
	groupRow
	Moderators []storage.Staff
}

func (a *Admin) groupShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	row, err := a.groupCounts(ctx, *g)
	if err != nil {
		return err
	}
	mods, err := storage.ListModerators(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "group", &page{Title: g.Title, Nav: "groups", Data: groupPage{row, mods}})
}
