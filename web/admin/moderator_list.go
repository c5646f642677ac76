package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// moderatorsPage lists a group's moderators and, for the owner, the open
// invitations and the link just created.
type moderatorsPage struct {
	Nav        groupNav
	Group      *storage.Group
	Moderators []storage.Staff
	Invites    []storage.Invite
	NewLink    string // shown once, right after the invitation is made
}

func (a *Admin) moderatorList(w http.ResponseWriter, r *http.Request) error {
	return a.renderModerators(w, r, http.StatusOK, "", "")
}

func (a *Admin) renderModerators(w http.ResponseWriter, r *http.Request, status int, newLink, notice string) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	mods, err := storage.ListModerators(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	nav, err := a.nav(ctx, "moderators")
	if err != nil {
		return err
	}
	data := moderatorsPage{Nav: nav, Group: g, Moderators: mods, NewLink: newLink}
	data.Invites, err = storage.ListOpenInvites(ctx, a.db, g.ID, a.now())
	if err != nil {
		return err
	}
	return a.render(w, r, status, "moderators", &page{
		Title: "Moderators of " + g.Title, Nav: "groups", Notice: notice, Data: data,
	})
}

// moderatorRemove ends someone's appointment to the group. Their account
// stays (they may moderate other groups); the next request they make to
// this group is refused, since roles are checked on every request.
func (a *Admin) moderatorRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	staff, err := storage.StaffByID(ctx, a.db, chiParam(r, "staff"))
	if err != nil {
		return err
	}
	if err := storage.RemoveModerator(ctx, a.db, g.ID, staff.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "moderator removed", "group", g.Name, "moderator", staff.Username)
	return redirect(w, r, "/admin/groups/"+g.Name+"/moderators")
}
