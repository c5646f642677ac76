package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// groupPage is what the group pages show about their group.
type groupPage struct {
	Nav        groupNav
	Group      *storage.Group
	Members    int
	Pending    int
	Moderators []storage.Staff
	NextSteps  []nextStep // nil once all are done
}

func (a *Admin) groupShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "overview")
	if err != nil {
		return err
	}
	mods, err := storage.ListModerators(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	steps, err := a.nextSteps(ctx, g, nav.Members, len(mods))
	if err != nil {
		return err
	}
	if allDone(steps) {
		steps = nil
	}
	return a.render(w, r, http.StatusOK, "group", &page{Title: g.Title, Nav: "groups",
		Data: groupPage{Nav: nav, Group: g, Members: nav.Members, Pending: nav.Pending, Moderators: mods, NextSteps: steps}})
}
