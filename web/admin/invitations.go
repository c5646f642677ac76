package admin

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// invitationRoutes mounts the invitation tree on a group's router.
func (a *Admin) invitationRoutes(r chi.Router) {
	r.Get("/invitations", a.h(a.invitationTree))
	r.Post("/members/{actor}/invite-right", a.h(a.inviteRightSet))
	r.Post("/members/{actor}/review-flag/clear", a.h(a.reviewFlagClear)) // review_flag.go
}

// treeRow is one person in the invitation tree, in reading order: each
// inviter followed by those who came through them, indented by Depth.
type treeRow struct {
	Depth    int
	Actor    *storage.RemoteActor
	Invited  int    // how many they invited
	Banned   int    // how many of those were later banned
	IsBanned bool   // they themselves were
	Revoked  bool   // their right to invite was taken away
	Flag     string // why their posts are held for review; "" when not flagged
}

type invitationTreeData struct {
	Nav  groupNav
	Rows []treeRow
}

// invitationTree shows who came through whom.
func (a *Admin) invitationTree(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "trust")
	if err != nil {
		return err
	}
	used, err := storage.UsedInvitations(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	banned, err := storage.BannedActorIDs(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	children := map[string][]*storage.RemoteActor{}
	invitedBy := map[string]bool{}
	actors := map[string]*storage.RemoteActor{}
	var order []string // inviters, in the order they first invited
	for _, inv := range used {
		if inv.Inviter == nil || inv.Invitee == nil {
			continue
		}
		if _, seen := children[inv.InviterID]; !seen {
			order = append(order, inv.InviterID)
		}
		children[inv.InviterID] = append(children[inv.InviterID], inv.Invitee)
		invitedBy[inv.InviteeID] = true
		actors[inv.InviterID] = inv.Inviter
	}
	d := invitationTreeData{Nav: nav}
	seen := map[string]bool{}
	var walk func(a *storage.RemoteActor, depth int) error
	walk = func(act *storage.RemoteActor, depth int) error {
		if seen[act.ID] { // a cycle cannot happen (one invitation admits one newcomer) but must not loop
			return nil
		}
		seen[act.ID] = true
		ml, err := storage.MemberLevelOf(ctx, a.db, g.ID, act.ID)
		if err != nil {
			return err
		}
		row := treeRow{Depth: depth, Actor: act, Invited: len(children[act.ID]), IsBanned: banned[act.ID], Revoked: ml.InviteRevoked, Flag: ml.ReviewReason}
		for _, c := range children[act.ID] {
			if banned[c.ID] {
				row.Banned++
			}
		}
		d.Rows = append(d.Rows, row)
		for _, c := range children[act.ID] {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, id := range order {
		if !invitedBy[id] {
			if err := walk(actors[id], 0); err != nil {
				return err
			}
		}
	}
	p := &page{Title: "Invitations · " + g.Title, Data: d}
	if r.URL.Query().Get("done") == "right" {
		p.Notice = "Saved."
	}
	return a.renderBelonging(w, r, http.StatusOK, "invitations", p)
}

// inviteRightSet takes away (do=revoke) or gives back (do=restore) a
// member's right to invite.
func (a *Admin) inviteRightSet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := a.groupMember(r)
	if err != nil {
		return err
	}
	form, err := parseForm(r)
	if err != nil {
		return err
	}
	revoke := form.Get("do") == "revoke"
	if !revoke && form.Get("do") != "restore" {
		return &httpError{http.StatusBadRequest, "Choose revoke or restore."}
	}
	by := staffOf(r)
	if err := storage.SetInviteRevoked(ctx, a.db, g.ID, f.ActorID, revoke); err != nil {
		return err
	}
	action := map[bool]string{true: "revoke_invites", false: "restore_invites"}[revoke]
	if err := storage.AddLogEntry(ctx, a.db, a.now(), &storage.LogEntry{GroupID: g.ID, StaffID: by.ID, StaffName: by.Name, Action: action, Target: f.Actor.IRI}); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/invitations?done=right")
}
