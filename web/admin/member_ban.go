package admin

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/kith-social/kith/storage"
)

// memberBan bans an account from the group: the membership ends, the
// group sends a Block, and the account's follows and posts are refused.
func (a *Admin) memberBan(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	actor, err := a.routeActor(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	reason := f.Get("reason")
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		return &httpError{http.StatusUnprocessableEntity, "Keep the reason to 1000 characters."}
	}
	option, err := a.reviewInviteesOption(ctx, g.ID, actor.ID)
	if err != nil {
		return err
	}
	ok, err := a.confirmed(w, r, f, confirmation{
		Title: "Ban " + actorHandle(actor) + " from " + g.Title + "?",
		Effects: []string{
			"Their membership ends and their server is told (a Block).",
			"Their follows and posts to the group are refused from now on.",
			"You can lift the ban later on the Bans page.",
		},
		Button: "Ban them", Cancel: "/admin/groups/" + g.Name + "/members",
		Option: option,
	})
	if !ok || err != nil {
		return err
	}
	err = a.ban(ctx, f, g, actor.IRI, reason, staffOf(r))
	if err != nil && !errors.Is(err, storage.ErrConflict) { // banned already: done
		return fmt.Errorf("ban %s from %s: %w", actor.IRI, g.Name, err)
	}
	a.log.InfoContext(ctx, "member banned", "group", g.Name, "actor", actor.IRI, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/groups/"+g.Name+"/bans?done=banned")
}
