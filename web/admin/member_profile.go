package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/kith-social/kith/storage"
)

// memberProfileData is a member's profile inside the community: their
// fediverse profile (the cached actor, refreshed daily by the engine),
// intro, member since, roles, badges and contributions.
type memberProfileData struct {
	Nav       groupNav
	Follow    *storage.Follow
	Profile   *storage.MemberProfile
	Fields    []storage.MemberField // what they added on the members' pages
	Roles     []storage.Role        // all the group's custom roles
	Held      map[string]bool
	Badges    []storage.BadgeAward
	AllBadges []storage.Badge
	AllTime   storage.Contributions
	Month     storage.Contributions
	Level     *storage.MemberLevel // trust.go
	Levels    []string
}

// groupMember loads the {actor} member of the current group (404 for
// anyone who is not an accepted member).
func (a *Admin) groupMember(r *http.Request) (*storage.Follow, error) {
	f, err := storage.FollowOf(r.Context(), a.db, currentGroup(r.Context()).ID, chiParam(r, "actor"))
	if err != nil {
		return nil, err
	}
	if f.State != storage.FollowAccepted || f.Actor == nil {
		return nil, errNotFound("They are not a member of this group.")
	}
	return f, nil
}

func (a *Admin) memberProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := a.groupMember(r)
	if err != nil {
		return err
	}
	nav, err := a.nav(ctx, "members")
	if err != nil {
		return err
	}
	d := memberProfileData{Nav: nav, Follow: f, Held: map[string]bool{}}
	if d.Profile, err = storage.MemberProfileOf(ctx, a.db, g.ID, f.ActorID); err != nil {
		return err
	}
	d.Fields = d.Profile.Fields()
	if d.Roles, err = storage.ListRoles(ctx, a.db, g.ID); err != nil {
		return err
	}
	held, err := storage.RolesOf(ctx, a.db, g.ID, f.ActorID)
	if err != nil {
		return err
	}
	for _, role := range held {
		d.Held[role.ID] = true
	}
	if d.Badges, err = storage.BadgesOf(ctx, a.db, g.ID, f.ActorID); err != nil {
		return err
	}
	all, err := storage.ListBadges(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	for _, b := range all {
		if !slices.ContainsFunc(d.Badges, func(aw storage.BadgeAward) bool { return aw.BadgeID == b.ID }) {
			d.AllBadges = append(d.AllBadges, b)
		}
	}
	if d.Level, err = storage.MemberLevelOf(ctx, a.db, g.ID, f.ActorID); err != nil {
		return err
	}
	d.Levels = storage.Levels
	if d.AllTime, err = storage.ContributionsOf(ctx, a.db, g.ID, f.ActorID, time.Time{}, time.Time{}); err != nil {
		return err
	}
	now := a.now()
	if d.Month, err = storage.ContributionsOf(ctx, a.db, g.ID, f.ActorID, now.AddDate(0, 0, -30), now.Add(time.Minute)); err != nil {
		return err
	}
	name := f.Actor.Name
	if name == "" {
		name = f.Actor.Username
	}
	return a.renderBelonging(w, r, http.StatusOK, "member_profile", &page{Title: name + " · " + g.Title, Data: d})
}

// memberRolesSet gives the member exactly the roles ticked in the form.
func (a *Admin) memberRolesSet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := a.groupMember(r)
	if err != nil {
		return err
	}
	if err := readForm(r); err != nil {
		return err
	}
	want := r.PostForm["role"]
	roles, err := storage.ListRoles(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	for _, role := range roles {
		if err := storage.SetRole(ctx, a.db, a.now(), role.ID, f.ActorID, slices.Contains(want, role.ID)); err != nil {
			return err
		}
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/members/"+f.ActorID+"/profile?done=roles-set")
}

// memberBadgeAward awards a badge, announced by the group when asked.
func (a *Admin) memberBadgeAward(w http.ResponseWriter, r *http.Request) error {
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
	err = a.belonging.AwardBadge(ctx, g.Name, form.Get("badge"), f.ActorID, form.Get("note"), form.Get("announce") == "on", staffOf(r))
	if err := belongingFail(form, err); err != nil {
		return err
	}
	if !form.Valid() {
		return &httpError{http.StatusUnprocessableEntity, form.Err("")}
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/members/"+f.ActorID+"/profile?done=awarded")
}
