package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	if err := a.saveJoinQuestions(ctx, gf); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "group created", "group", gf.name, "by", currentSession(ctx).Staff.Username)
	return redirect(w, r, "/admin/groups/"+gf.name)
}

// groupFields is a checked group form.
type groupFields struct {
	name, title, summary string
	closed               bool
	joinQuestions        string // for a closed group
}

// saveJoinQuestions stores the join questions of a group just created
// closed; they are not part of its ActivityPub profile.
func (a *Admin) saveJoinQuestions(ctx context.Context, gf groupFields) error {
	if !gf.closed || gf.joinQuestions == "" {
		return nil
	}
	g, err := storage.GroupByName(ctx, a.db, gf.name)
	if err != nil {
		return err
	}
	g.JoinQuestions = gf.joinQuestions
	return storage.UpdateGroup(ctx, a.db, a.now(), g)
}

// checkGroupFields reads the group part of a form (name, title, summary,
// join) and records what is wrong beside each field.
func (a *Admin) checkGroupFields(ctx context.Context, f *form) groupFields {
	gf := groupFields{
		name: f.Get("name"), title: f.Get("title"), summary: f.Get("summary"),
		closed: f.Get("join") == "closed", joinQuestions: f.Get("join_questions"),
	}
	if utf8.RuneCountInString(gf.joinQuestions) > maxJoinQuestionRunes {
		f.Fail("join_questions", fmt.Sprintf("Keep the questions to %d characters.", maxJoinQuestionRunes))
	}
	switch err := storage.ValidateGroupName(gf.name); {
	case gf.name == "" && handleFromTitle(gf.title) != "":
		// Suggest one from the title, to confirm by submitting again.
		suggested := handleFromTitle(gf.title)
		f.values.Set("name", suggested)
		f.Fail("name", "We suggest @"+suggested+"@"+a.domain+" from the title: keep it or change it, then submit again.")
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

// handleFromTitle makes a group name from a title: lowercase letters and
// digits, other runs of characters as one underscore, at most 30; "" when
// nothing usable is left or the name is reserved.
func handleFromTitle(title string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		case b.Len() > 0 && !underscore:
			b.WriteByte('_')
			underscore = true
		}
	}
	name := strings.TrimRight(b.String(), "_")
	if len(name) > 30 {
		name = strings.TrimRight(name[:30], "_")
	}
	if storage.ValidateGroupName(name) != nil {
		return ""
	}
	return name
}
