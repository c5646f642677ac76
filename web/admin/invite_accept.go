package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// usableInvite loads the invitation a link names, if it can still be used.
func (a *Admin) usableInvite(ctx context.Context, token string) (*storage.Invite, error) {
	inv, err := storage.InviteByTokenHash(ctx, a.db, auth.HashToken(token))
	if err == nil && !inv.Usable(a.now()) {
		err = storage.ErrNotFound
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFound("This invitation link is not valid: it was used already, withdrawn, or it expired. Ask the owner for a new one.")
	}
	return inv, err
}

func (a *Admin) inviteForm(w http.ResponseWriter, r *http.Request) error {
	inv, err := a.usableInvite(r.Context(), chiParam(r, "token"))
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "invite", &page{Title: "Join as a moderator", Data: inv})
}

// inviteAccept creates the moderator's account, appoints them and uses up
// the invitation, all in one transaction, then logs them in.
func (a *Admin) inviteAccept(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	inv, err := a.usableInvite(ctx, chiParam(r, "token"))
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	username := f.Get("username")
	if err := storage.ValidateUsername(username); err != nil {
		f.Fail("username", "Use 1 to 40 letters, digits, dots, dashes or underscores.")
	}
	hash := a.checkNewPassword(f, "password", "password2")
	p := &page{Title: "Join as a moderator", Form: f, Data: inv}
	if !f.Valid() {
		return a.render(w, r, http.StatusUnprocessableEntity, "invite", p)
	}
	staff := &storage.Staff{Username: username, PasswordHash: hash, Role: storage.RoleModerator}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.CreateStaff(ctx, tx, a.now(), staff); err != nil {
			return err
		}
		// The guard against a second use: only an unused, unexpired
		// invitation is updated; otherwise the account is rolled back.
		if err := storage.UseInvite(ctx, tx, inv.ID, staff.ID, a.now()); err != nil {
			return err
		}
		return storage.AddModerator(ctx, tx, a.now(), inv.GroupID, staff.ID)
	})
	switch {
	case errors.Is(err, storage.ErrConflict):
		f.Fail("username", "This username is taken; choose another.")
		return a.render(w, r, http.StatusUnprocessableEntity, "invite", p)
	case errors.Is(err, storage.ErrNotFound):
		return errNotFound("This invitation link was used a moment ago. Ask the owner for a new one.")
	case err != nil:
		return fmt.Errorf("accept invitation %s: %w", inv.ID, err)
	}
	a.log.InfoContext(ctx, "moderator joined", "group", inv.Group.Name, "moderator", staff.Username)
	if old := currentSession(ctx); old != nil {
		if err := a.sessions.End(ctx, w, old); err != nil {
			return err
		}
	}
	if _, err := a.sessions.Start(ctx, w, staff); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+inv.Group.Name)
}
