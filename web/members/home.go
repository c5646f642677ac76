package members

import (
	"net/http"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/storage"
)

// sessionView is one of the member's sessions in their list.
type sessionView struct {
	ID, Browser, Started, LastSeen string
	This                           bool
}

// postChoice is one of the member's posts they may make their intro.
type postChoice struct {
	ID, Excerpt, When string
	Chosen            bool
}

type homeData struct {
	Group     *storage.Group
	Actor     *storage.RemoteActor
	Handle    string
	Applicant bool
	Sessions  []sessionView
	CSRF      string

	// My membership (members only).
	Settings community.MemberSettingsInput // as saved: the preview
	Form     community.MemberSettingsInput // the form's values
	Fields   []community.ProfileField      // the form's rows: its fields and empty ones up to the limit
	Intro    string                        // the intro post's text, "" without one
	Posts    []postChoice
	Error    string // why the last form was not saved
	Saved    bool
	Level    *levelView // trust.go
}

// home is the member's page in the group: who they are signed in as,
// their membership and how others see it, and their sessions.
func (m *Members) home(w http.ResponseWriter, r *http.Request) error {
	d, err := m.homeData(r)
	if err != nil {
		return err
	}
	d.Saved = r.URL.Query().Get("saved") != ""
	return m.render(w, http.StatusOK, "home", d.Group.Title, d)
}

func (m *Members) homeData(r *http.Request) (*homeData, error) {
	ctx := r.Context()
	cur := currentMember(ctx)
	list, err := storage.ListMemberSessions(ctx, m.db, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return nil, err
	}
	d := &homeData{
		Group: cur.Group, Actor: cur.Actor, Handle: "@" + cur.Actor.Username + "@" + cur.Actor.Host,
		Applicant: cur.Standing == community.Applicant, CSRF: cur.CSRF,
	}
	for _, s := range list {
		browser := s.UserAgent
		if browser == "" {
			browser = "Unknown browser"
		}
		d.Sessions = append(d.Sessions, sessionView{
			ID: s.ID, Browser: browser, This: s.ID == cur.Session.ID,
			Started: when(s.CreatedAt), LastSeen: when(s.LastSeenAt),
		})
	}
	if d.Applicant {
		return d, nil
	}
	ms, err := m.community.MembershipOf(ctx, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return nil, err
	}
	d.Settings = community.MemberSettingsInput{InDirectory: ms.Profile.InDirectory, DigestDM: ms.Profile.DigestDM, Pronouns: ms.Profile.Pronouns, Fields: ms.Fields}
	if p := ms.Profile.IntroPost; p != nil {
		d.Intro = content.Excerpt(p.ContentHTML, 300)
	}
	for _, p := range ms.Posts {
		d.Posts = append(d.Posts, postChoice{ID: p.ID, Excerpt: content.Excerpt(p.ContentHTML, 120), When: when(p.PublishedAt), Chosen: p.ID == ms.Profile.IntroPostID})
	}
	d.Form, d.Fields = d.Settings, formRows(ms.Fields)
	if d.Level, err = m.levelOf(r); err != nil {
		return nil, err
	}
	return d, nil
}

// formRows pads fields with empty rows up to the limit, for the form.
func formRows(fs []community.ProfileField) []community.ProfileField {
	out := append([]community.ProfileField(nil), fs...)
	for len(out) < community.MaxProfileFields {
		out = append(out, community.ProfileField{})
	}
	return out
}
