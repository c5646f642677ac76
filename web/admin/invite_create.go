package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// inviteCreate makes a one-time moderator invitation for the group and
// shows its link once: only the token's hash is stored.
func (a *Admin) inviteCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	token, err := auth.NewToken()
	if err != nil {
		return err
	}
	now := a.now().UTC()
	inv := &storage.Invite{
		GroupID: g.ID, TokenHash: auth.HashToken(token), CreatedBy: currentSession(ctx).Staff.ID,
		CreatedAt: now, ExpiresAt: now.Add(InviteLifetime),
	}
	if err := storage.CreateInvite(ctx, a.db, a.now(), inv); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "moderator invitation created", "group", g.Name, "invite", inv.ID)
	return a.renderModerators(w, r, http.StatusCreated, a.absURL("/admin/invite/"+token), "")
}
