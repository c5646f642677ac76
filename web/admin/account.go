package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

func (a *Admin) account(w http.ResponseWriter, r *http.Request) error {
	return a.render(w, r, http.StatusOK, "account", &page{Title: "Your account", Nav: "account"})
}

// passwordChange checks the current password, stores the new one and logs
// out every other session of the account.
func (a *Admin) passwordChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentSession(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	p := &page{Title: "Your account", Nav: "account", Form: f}
	ok, err := auth.CheckPassword(f.Raw("current"), cur.Staff.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		f.Fail("current", "This is not your current password.")
	}
	hash := a.checkNewPassword(f, "password", "password2")
	if !f.Valid() {
		return a.render(w, r, http.StatusUnprocessableEntity, "account", p)
	}
	if err := storage.SetStaffPassword(ctx, a.db, cur.Staff.ID, hash); err != nil {
		return err
	}
	n, err := storage.DeleteStaffSessions(ctx, a.db, cur.Staff.ID, cur.Session.ID)
	if err != nil {
		return err
	}
	cur.Staff.PasswordHash = hash
	a.log.InfoContext(ctx, "password changed", "username", cur.Staff.Username, "other_sessions_ended", n)
	p.Form = newForm(nil)
	p.Notice = "Your password is changed. Any other sessions of your account are logged out."
	return a.render(w, r, http.StatusOK, "account", p)
}
