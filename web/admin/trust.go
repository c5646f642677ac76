package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// Trust is the trust levels staff set: a group's thresholds and a
// member's level by hand.
type Trust interface {
	SaveTrustSettings(ctx context.Context, groupName string, s *storage.TrustSettings, by community.Staff) error
	SetMemberLevel(ctx context.Context, groupName, actorID, level string, by community.Staff) error
}

// maxTrustThreshold bounds each threshold (ten years of days, or posts).
const maxTrustThreshold = 3650

// trustRoutes mounts the trust pages on a group's router (inside the
// group's staff check and CSRF check).
func (a *Admin) trustRoutes(r chi.Router) {
	r.Get("/trust", a.h(a.trustPage))
	r.Post("/trust", a.h(a.trustSave))
	r.Post("/members/{actor}/level", a.h(a.memberLevelSet))
	a.invitationRoutes(r) // invitations.go
}

// trustPageData is the trust levels page: the settings and how many
// members hold each level.
type trustPageData struct {
	Nav      groupNav
	PerLevel []storage.LevelCount
	Levels   []string
}

// trustNumbers are the threshold fields, each with where it goes.
func trustNumbers(s *storage.TrustSettings) map[string]*int {
	return map[string]*int{
		"member_days": &s.MemberDays, "member_posts": &s.MemberPosts, "member_likes": &s.MemberLikes, "member_events": &s.MemberEvents,
		"regular_days": &s.RegularDays, "regular_posts": &s.RegularPosts, "regular_likes": &s.RegularLikes, "regular_events": &s.RegularEvents,
		"invites_per_week": &s.InvitesPerWeek,
	}
}

func (a *Admin) trustPage(w http.ResponseWriter, r *http.Request) error {
	s, err := storage.TrustSettingsOf(r.Context(), a.db, currentGroup(r.Context()).ID)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.values.Set("invite_level", s.InviteLevel)
	for name, n := range trustNumbers(s) {
		f.values.Set(name, strconv.Itoa(*n))
	}
	for name, on := range map[string]bool{"review_newcomers": s.ReviewNewcomers, "member_auto": s.MemberAuto, "regular_auto": s.RegularAuto} {
		if on {
			f.values.Set(name, "on")
		}
	}
	return a.renderTrustPage(w, r, http.StatusOK, f)
}

func (a *Admin) renderTrustPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "trust")
	if err != nil {
		return err
	}
	d := trustPageData{Nav: nav, Levels: storage.Levels}
	if d.PerLevel, err = storage.CountMembersPerLevel(ctx, a.db, g.ID); err != nil {
		return err
	}
	p := &page{Title: "Trust levels · " + g.Title, Form: f, Data: d}
	if r.Method == http.MethodGet && r.URL.Query().Get("done") == "settings" {
		p.Notice = "Saved. Members who now meet a level are promoted within the hour, or at their next approved post."
	}
	return a.renderBelonging(w, r, status, "trust", p)
}

// trustSave stores the thresholds; an empty number is 0 (nothing asked).
func (a *Admin) trustSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	s := &storage.TrustSettings{GroupID: g.ID, ReviewNewcomers: f.Get("review_newcomers") == "on",
		MemberAuto: f.Get("member_auto") == "on", RegularAuto: f.Get("regular_auto") == "on", InviteLevel: f.Get("invite_level")}
	if storage.ValidateLevel(s.InviteLevel) != nil {
		f.Fail("invite_level", "Choose the level from which members invite.")
	}
	for name, n := range trustNumbers(s) {
		*n = intField(f, name, maxTrustThreshold, fmt.Sprintf("Type a whole number from 0 to %d.", maxTrustThreshold))
	}
	if f.Valid() {
		if err := belongingFail(f, a.trust.SaveTrustSettings(ctx, g.Name, s, staffOf(r))); err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.renderTrustPage(w, r, http.StatusUnprocessableEntity, f)
	}
	a.log.InfoContext(ctx, "trust settings saved", "group", g.Name, "by", staffOf(r).Name)
	return redirect(w, r, "/admin/groups/"+g.Name+"/trust?done=settings")
}

// memberLevelSet sets a member's level by hand, or hands it back to the
// automatic rules ("auto").
func (a *Admin) memberLevelSet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	fl, err := a.groupMember(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	level := f.Get("level")
	if level != "auto" && storage.ValidateLevel(level) != nil {
		return &httpError{http.StatusUnprocessableEntity, "Choose newcomer, member, regular, leader or automatic."}
	}
	if err := a.trust.SetMemberLevel(ctx, g.Name, fl.ActorID, level, staffOf(r)); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/members/"+fl.ActorID+"/profile?done=level")
}
