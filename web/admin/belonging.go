package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// Events is publishing, editing, cancelling and deleting group events.
type Events interface {
	PublishEvent(ctx context.Context, groupName string, in community.EventInput, by community.Staff) (*storage.Event, error)
	EditEvent(ctx context.Context, eventID string, in community.EventInput, by community.Staff) error
	CancelEvent(ctx context.Context, eventID, reason string, by community.Staff) error
	DeleteEvent(ctx context.Context, eventID string, by community.Staff) error
}

// Belonging is badges, the belonging settings (welcome, digest) and the
// digest sent now.
type Belonging interface {
	AwardBadge(ctx context.Context, groupName, badgeID, actorID, note string, announce bool, by community.Staff) error
	SaveBelongingSettings(ctx context.Context, groupName string, s *storage.BelongingSettings, by community.Staff) error
	PublishDigest(ctx context.Context, groupName string, by community.Staff) (*storage.Post, error)
}

// belongingRoutes mounts the belonging pages on a group's router (inside
// the group's staff check, body limit and CSRF check). Defining custom
// roles is the owner's.
func (a *Admin) belongingRoutes(r chi.Router) {
	r.Get("/events", a.h(a.eventList))
	r.Get("/events/new", a.h(a.eventNewForm))
	r.Get("/events/{event}", a.h(a.eventShow))
	r.Get("/events/{event}/edit", a.h(a.eventEditForm))
	r.Post("/events/{event}/cancel", a.h(a.eventCancel))
	r.Post("/events/{event}/delete", a.h(a.eventDelete))

	r.Get("/members/{actor}/profile", a.h(a.memberProfile))
	r.Post("/members/{actor}/roles", a.h(a.memberRolesSet))
	r.Post("/members/{actor}/badges", a.h(a.memberBadgeAward))

	r.Get("/belonging", a.h(a.belongingPage))
	r.Post("/belonging", a.h(a.belongingSave))
	r.Post("/belonging/digest", a.h(a.digestSend))
	r.Post("/badges", a.h(a.badgeCreate))
	r.Post("/badges/{badge}/delete", a.h(a.badgeDelete))
	r.With(a.requireOwner).Post("/roles", a.h(a.roleCreate))
	r.With(a.requireOwner).Post("/roles/{role}/delete", a.h(a.roleDelete))
}

// belongingNotice is the confirmation after a belonging action (?done=key).
func belongingNotice(key string) string {
	return map[string]string{
		"event":          "Published. The event is on its way to the members.",
		"event-edited":   "Saved. Members' servers are told about the change.",
		"event-cancel":   "Cancelled. Members' servers and the attendees are told.",
		"event-deleted":  "Deleted. Members' servers are told to delete it too.",
		"settings":       "Saved.",
		"digest":         "The digest is published.",
		"digest-nothing": "Nothing to put in a digest yet: no threads in the period and no events coming up.",
		"role":           "The role is saved.",
		"role-deleted":   "The role is deleted.",
		"badge":          "The badge is saved.",
		"badge-deleted":  "The badge is deleted.",
		"roles-set":      "The member's roles are saved.",
		"awarded":        "The badge is awarded.",
		"level":          "The member's level is saved.",
		"cleared":        "The flag is cleared: their posts reach the group without review again.",
	}[key]
}

// renderBelonging renders a belonging page with its notice.
func (a *Admin) renderBelonging(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	if p.Notice == "" && r.Method == http.MethodGet {
		p.Notice = belongingNotice(r.URL.Query().Get("done"))
	}
	if p.Nav == "" {
		p.Nav = "groups"
	}
	return a.render(w, r, status, name, p)
}

// belongingFail maps the engine's refusals to the form.
func belongingFail(f *form, err error) error {
	if errors.Is(err, community.ErrInvalidPost) || errors.Is(err, storage.ErrInvalid) || errors.Is(err, storage.ErrConflict) {
		f.Fail("", cleanInvalid(err))
		return nil
	}
	return err
}

// cleanInvalid is the part of an "invalid" error a person should read.
func cleanInvalid(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, community.ErrInvalidPost.Error()+": "); ok {
		return rest
	}
	return msg
}

// contributionPeriods are the top-contributor periods staff can pick.
var contributionPeriods = [...]int{7, 30, 365}

// belongingPageData is the belonging settings page.
type belongingPageData struct {
	Nav       groupNav
	Settings  *storage.BelongingSettings
	Roles     []storage.Role
	Badges    []storage.Badge
	Top       []storage.Contributor
	Days      int
	Periods   []int
	Directory []storage.DirectoryEntry
}

func (a *Admin) belongingPage(w http.ResponseWriter, r *http.Request) error {
	s, err := storage.BelongingSettingsOf(r.Context(), a.db, currentGroup(r.Context()).ID)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.values.Set("digest", s.Digest)
	f.values.Set("welcome", s.WelcomeTemplate)
	if s.UpdatedAt.IsZero() {
		// Never saved: suggest a message that tells members how the group
		// works; it is sent once staff save it.
		f.values.Set("welcome", community.DefaultWelcomeTemplate)
	}
	if s.PlainBoosts {
		f.values.Set("boosts", "on")
	}
	if s.DirectoryPublic {
		f.values.Set("directory_public", "on")
	}
	return a.renderBelongingPage(w, r, http.StatusOK, f, s)
}

func (a *Admin) renderBelongingPage(w http.ResponseWriter, r *http.Request, status int, f *form, s *storage.BelongingSettings) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "belonging")
	if err != nil {
		return err
	}
	d := belongingPageData{Nav: nav, Settings: s, Days: 30, Periods: contributionPeriods[:]}
	if days, _ := strconv.Atoi(r.URL.Query().Get("days")); days == 7 || days == 365 {
		d.Days = days
	}
	if d.Roles, err = storage.ListRoles(ctx, a.db, g.ID); err != nil {
		return err
	}
	if d.Badges, err = storage.ListBadges(ctx, a.db, g.ID); err != nil {
		return err
	}
	now := a.now()
	if d.Top, err = storage.TopContributors(ctx, a.db, g.ID, now.AddDate(0, 0, -d.Days), now.Add(time.Minute), 10); err != nil {
		return err
	}
	if d.Directory, err = storage.DirectoryMembers(ctx, a.db, g.ID, 500, 0); err != nil {
		return err
	}
	return a.renderBelonging(w, r, status, "belonging", &page{Title: "Belonging · " + g.Title, Form: f, Data: d})
}

// belongingSave stores the digest, boost, welcome and directory settings.
func (a *Admin) belongingSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	s, err := storage.BelongingSettingsOf(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	s.Digest, s.WelcomeTemplate = f.Get("digest"), f.Raw("welcome")
	s.PlainBoosts, s.DirectoryPublic = f.Get("boosts") == "on", f.Get("directory_public") == "on"
	if storage.ValidateDigest(s.Digest) != nil {
		f.Fail("digest", "Choose off, daily or weekly.")
	}
	if len([]rune(s.WelcomeTemplate)) > community.MaxWelcomeLength {
		f.Fail("welcome", fmt.Sprintf("Keep the welcome message to %d characters.", community.MaxWelcomeLength))
	}
	if f.Valid() {
		if err := belongingFail(f, a.belonging.SaveBelongingSettings(ctx, g.Name, s, staffOf(r))); err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.renderBelongingPage(w, r, http.StatusUnprocessableEntity, f, s)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done=settings")
}

// digestSend publishes the digest now.
func (a *Admin) digestSend(w http.ResponseWriter, r *http.Request) error {
	g := currentGroup(r.Context())
	p, err := a.belonging.PublishDigest(r.Context(), g.Name, staffOf(r))
	if err != nil {
		return err
	}
	done := "digest"
	if p == nil {
		done = "digest-nothing"
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done="+done)
}

// roleCreate defines a custom role (the owner's).
func (a *Admin) roleCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	role := &storage.Role{GroupID: g.ID, Name: f.Get("name"), Colour: f.Get("colour")}
	if err := belongingFail(f, storage.CreateRole(ctx, a.db, a.now(), role)); err != nil {
		return err
	}
	if !f.Valid() {
		return a.belongingFormError(w, r, f)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done=role#roles")
}

func (a *Admin) roleDelete(w http.ResponseWriter, r *http.Request) error {
	g := currentGroup(r.Context())
	if err := storage.DeleteRole(r.Context(), a.db, g.ID, chiParam(r, "role")); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done=role-deleted#roles")
}

// badgeCreate defines a badge: an emoji and a short text.
func (a *Admin) badgeCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	b := &storage.Badge{GroupID: g.ID, Label: f.Get("label"), Emoji: f.Get("emoji")}
	if err := belongingFail(f, storage.CreateBadge(ctx, a.db, a.now(), b)); err != nil {
		return err
	}
	if !f.Valid() {
		return a.belongingFormError(w, r, f)
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done=badge#badges")
}

func (a *Admin) badgeDelete(w http.ResponseWriter, r *http.Request) error {
	g := currentGroup(r.Context())
	if err := storage.DeleteBadge(r.Context(), a.db, g.ID, chiParam(r, "badge")); err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/belonging?done=badge-deleted#badges")
}

// belongingFormError shows the belonging page again with a role or badge
// form's error at the top, the settings as stored.
func (a *Admin) belongingFormError(w http.ResponseWriter, r *http.Request, f *form) error {
	s, err := storage.BelongingSettingsOf(r.Context(), a.db, currentGroup(r.Context()).ID)
	if err != nil {
		return err
	}
	return a.renderBelongingPage(w, r, http.StatusUnprocessableEntity, f, s)
}
