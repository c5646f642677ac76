package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// reviewInviteesOption is what a ban's confirm step offers when the member
// invited people still in the group: to hold their posts for review too.
// Off unless ticked: most invitees of a banned member did nothing wrong.
func (a *Admin) reviewInviteesOption(ctx context.Context, groupID, actorID string) (*confirmOption, error) {
	invitees, err := storage.InviteesOf(ctx, a.db, groupID, actorID)
	if err != nil || len(invitees) == 0 {
		return nil, err
	}
	people := "1 person"
	if len(invitees) > 1 {
		people = fmt.Sprintf("%d people", len(invitees))
	}
	return &confirmOption{Name: "review_invitees",
		Label: "Also review everyone they invited (" + people + "): their posts wait for a moderator until you clear the flag."}, nil
}

// ban bans actorIRI from g, and flags their invitees for review when the
// confirmed form asks it.
func (a *Admin) ban(ctx context.Context, f *form, g *storage.Group, actorIRI, reason string, by community.Staff) error {
	if f.Get("review_invitees") == "on" {
		return a.moderation.BanReviewingInvitees(ctx, g.Name, actorIRI, reason, by)
	}
	return a.moderation.Ban(ctx, g.Name, actorIRI, reason, by)
}

// reviewFlagClear lets a flagged member's posts through without review
// again; back= names the page the button was on (invitations, members),
// else the member's profile.
func (a *Admin) reviewFlagClear(w http.ResponseWriter, r *http.Request) error {
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
	if err := a.moderation.ClearReviewFlag(ctx, g.Name, actor.ID, staffOf(r)); err != nil {
		return fmt.Errorf("clear the review flag of %s in %s: %w", actor.IRI, g.Name, err)
	}
	a.log.InfoContext(ctx, "review flag cleared", "group", g.Name, "actor", actor.IRI, "by", staffOf(r).Name)
	base := "/admin/groups/" + g.Name
	switch f.Get("back") {
	case "invitations":
		return redirect(w, r, base+"/invitations?done=cleared")
	case "members":
		return redirect(w, r, base+"/members?done=cleared")
	}
	return redirect(w, r, base+"/members/"+actor.ID+"/profile?done=cleared")
}
