package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// checkSetupToken allows the setup page only while the node has no owner
// and only with the token SetupURL printed. The setup transaction checks
// again with its own handle.
func (a *Admin) checkSetupToken(ctx context.Context, db bun.IDB, token string) error {
	n, err := storage.CountOwners(ctx, db)
	if err != nil {
		return err
	}
	if n > 0 {
		return errNotFound("This node is set up already. Log in instead.")
	}
	want, err := storage.GetSetting(ctx, db, storage.SettingSetupToken)
	if errors.Is(err, storage.ErrNotFound) {
		return errNotFound("There is no setup pending. Start kith serve: it prints the setup link.")
	}
	if err != nil {
		return err
	}
	if !auth.TokensEqual(token, want) {
		return errForbidden("This setup link is not valid. Use the link kith serve printed when it started.")
	}
	return nil
}

func (a *Admin) setupForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	if err := a.checkSetupToken(r.Context(), a.db, token); err != nil {
		return err
	}
	f := newForm(nil)
	f.values.Set("token", token)
	f.values.Set("join", "open")
	return a.render(w, r, http.StatusOK, "setup", &page{Title: "Set up Kith", Form: f})
}

// setupSubmit creates the owner and the first group, ends the setup (the
// token is deleted with the owner's creation, in one transaction) and logs
// the owner in.
func (a *Admin) setupSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if err := a.checkSetupToken(ctx, a.db, f.Raw("token")); err != nil {
		return err
	}
	username := f.Get("username")
	if err := storage.ValidateUsername(username); err != nil {
		f.Fail("username", "Use 1 to 40 letters, digits, dots, dashes or underscores.")
	}
	hash := a.checkNewPassword(f, "password", "password2")
	gf := a.checkGroupFields(ctx, f)
	if !f.Valid() {
		return a.render(w, r, http.StatusUnprocessableEntity, "setup", &page{Title: "Set up Kith", Form: f})
	}

	owner := &storage.Staff{Username: username, PasswordHash: hash, Role: storage.RoleOwner}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Checked again inside the transaction: two setups at once make one owner.
		if err := a.checkSetupToken(ctx, tx, f.Raw("token")); err != nil {
			return err
		}
		if err := storage.CreateStaff(ctx, tx, a.now(), owner); err != nil {
			return err
		}
		return storage.DeleteSetting(ctx, tx, storage.SettingSetupToken)
	})
	if err != nil {
		return fmt.Errorf("set up owner: %w", err)
	}
	a.log.InfoContext(ctx, "node set up", "owner", owner.Username)

	cur, err := a.sessions.Start(ctx, w, owner)
	if err != nil {
		return err
	}
	r = r.WithContext(withSession(ctx, cur))
	if err := a.createGroup(ctx, gf.name, gf.title, gf.summary, gf.closed); err != nil {
		// The owner exists and is logged in: let them try again from the
		// group form, with what they typed and why it failed.
		a.log.WarnContext(ctx, "create first group", "group", gf.name, "err", err)
		f = newForm(r.PostForm)
		a.groupCreateError(f, err)
		return a.render(w, r, http.StatusUnprocessableEntity, "group_new", &page{Title: "New group", Nav: "new-group", Form: f})
	}
	if err := a.saveJoinQuestions(ctx, gf); err != nil {
		return err
	}
	return redirect(w, r, "/admin")
}

// checkNewPassword checks a new password and its repetition and returns its
// hash, or records why not on the form.
func (a *Admin) checkNewPassword(f *form, field, repeat string) string {
	pw := f.Raw(field)
	if n := utf8.RuneCountInString(pw); n < auth.MinPasswordLength {
		f.Fail(field, fmt.Sprintf("Use at least %d characters.", auth.MinPasswordLength))
		return ""
	}
	if pw != f.Raw(repeat) {
		f.Fail(repeat, "The two passwords differ.")
		return ""
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		f.Fail(field, "This password cannot be used: "+err.Error()+".")
		return ""
	}
	return hash
}
