package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// maxEmailBytes is the longest address SMTP allows.
const maxEmailBytes = 254

// prefRow is one kind of notification on the settings form.
type prefRow struct {
	Kind  string
	Label string
}

func (a *Admin) renderNotificationSettings(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	var rows []prefRow
	for _, k := range storage.NotificationKinds() {
		rows = append(rows, prefRow{Kind: k, Label: notificationKindText(k)})
	}
	return a.render(w, r, status, "notification_settings", &page{Title: "Notification settings", Nav: "notifications", Form: f, Data: rows})
}

func (a *Admin) notificationSettingsForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentSession(ctx).Staff
	prefs, err := storage.NotificationPrefs(ctx, a.db, me.ID)
	if err != nil {
		return err
	}
	settings, err := storage.NotificationSettingsOf(ctx, a.db, me.ID)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.values.Set("email", settings.Email)
	for _, p := range prefs {
		if p.InApp {
			f.values.Set("app-"+p.Kind, "on")
		}
		f.values.Set("mail-"+p.Kind, p.Email)
	}
	return a.renderNotificationSettings(w, r, http.StatusOK, f)
}

// notificationSettingsSave stores the staff member's address and, per
// kind, whether it shows in the app and how it is e-mailed.
func (a *Admin) notificationSettingsSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentSession(ctx).Staff
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	email := f.Get("email")
	if email != "" {
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || len(email) > maxEmailBytes || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
			f.Fail("email", "This is not an e-mail address: type it like name@example.org.")
		}
	}
	var prefs []storage.NotificationPref
	mailed := false
	for _, k := range storage.NotificationKinds() {
		p := storage.NotificationPref{StaffID: me.ID, Kind: k, InApp: f.Get("app-"+k) == "on", Email: f.Get("mail-" + k)}
		switch p.Email {
		case storage.EmailOff:
		case storage.EmailImmediate, storage.EmailDaily:
			mailed = true
		default:
			f.Fail("mail-"+k, "Choose off, at once or a daily summary.")
		}
		prefs = append(prefs, p)
	}
	if mailed && email == "" && f.Err("email") == "" {
		f.Fail("email", "Give an address, or turn e-mail off for every kind.")
	}
	if !f.Valid() {
		return a.renderNotificationSettings(w, r, http.StatusUnprocessableEntity, f)
	}
	// A saved preference e-mails only what comes after it: unchanged ones
	// are not saved again, so nothing pending under them is skipped.
	current, err := storage.NotificationPrefs(ctx, a.db, me.ID)
	if err != nil {
		return err
	}
	before := map[string]storage.NotificationPref{}
	for _, p := range current {
		before[p.Kind] = p
	}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.SetNotificationEmail(ctx, tx, me.ID, email); err != nil {
			return err
		}
		for i := range prefs {
			if old := before[prefs[i].Kind]; old.InApp == prefs[i].InApp && old.Email == prefs[i].Email {
				continue
			}
			if err := storage.SetNotificationPref(ctx, tx, a.now(), &prefs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save notification settings of %s: %w", me.Username, err)
	}
	return redirect(w, r, "/admin/notifications/settings?done=prefs")
}
