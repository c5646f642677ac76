package admin

import (
	"context"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/storage"
)

// Limits on a group's profile fields.
const (
	maxTitleRunes   = 100
	maxSummaryRunes = 5000
)

func (a *Admin) groupNewForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm(nil)
	f.values.Set("join", "open")
	return a.render(w, r, http.StatusOK, "group_new", &page{Title: "New group", Nav: "new-group", Form: f})
}

func (a *Admin) groupCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	gf := a.checkGroupFields(ctx, f)
	if !f.Valid() {
		return a.render(w, r, http.StatusUnprocessableEntity, "group_new", &page{Title: "New group", Nav: "new-group", Form: f})
	}
	if err := a.createGroup(ctx, gf.name, gf.title, gf.summary, gf.closed); err != nil {
		a.log.WarnContext(ctx, "create group", "group", gf.name, "err", err)
		if !a.groupCreateError(f, err) {
			return err
		}
		return a.render(w, r, http.StatusUnprocessableEntity, "group_new", &page{Title: "New group", Nav: "new-group", Form: f})
	}
	a.log.InfoContext(ctx, "group created", "group", gf.name, "by", currentSession(ctx).Staff.Username)
	return redirect(w, r, "/admin/groups/"+gf.name)
}

// groupFields is a checked group form.
type groupFields struct {
	name, title, summary string
	closed               bool
}

// checkGroupFields reads the group part of a form (name, title, summary,
// join) and records what is wrong beside each field.
func (a *Admin) checkGroupFields(ctx context.Context, f *form) groupFields {
	gf := groupFields{
		name: f.Get("name"), title: f.Get("title"), summary: f.Get("summary"),
		closed: f.Get("join") == "closed",
	}
	switch err := storage.ValidateGroupName(gf.name); {
	case gf.name == "":
		f.Fail("name", "Choose a name: it becomes the handle @name@"+a.domain+".")
	case err != nil:
		f.Fail("name", "Use 1 to 30 lowercase letters, digits or underscores; a few names such as admin are reserved.")
	default:
		_, err := storage.GroupByName(ctx, a.db, gf.name)
		switch {
		case err == nil:
			f.Fail("name", "There is a group with this name already.")
		case !errors.Is(err, storage.ErrNotFound):
			f.Fail("name", "Could not check the name; try again.")
			a.log.ErrorContext(ctx, "check group name", "err", err)
		}
	}
	if utf8.RuneCountInString(gf.title) > maxTitleRunes {
		f.Fail("title", "Keep the title to 100 characters.")
	}
	if gf.title == "" {
		gf.title = gf.name
	}
	if utf8.RuneCountInString(gf.summary) > maxSummaryRunes {
		f.Fail("summary", "Keep the description to 5000 characters.")
	}
	if j := f.Get("join"); j != "open" && j != "closed" {
		f.Fail("join", "Choose whether people join at once or ask first.")
	}
	return gf
}

// groupCreateError puts a CreateGroup failure that the person can fix
// beside its field, and tells whether it could.
func (a *Admin) groupCreateError(f *form, err error) bool {
	if errors.Is(err, storage.ErrConflict) {
		f.Fail("name", "There is a group with this name already.")
		return true
	}
	f.Fail("", "The group could not be created. Try again; if it keeps failing, the server log says why.")
	return false
}
