package members

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// Invitations is vouching for someone on the members' pages: making an
// invitation link, listing one's own, and the invitee's side of the link.
// community.MembersPages meets it; the pages answer 404 without it.
type Invitations interface {
	CreateInvitation(ctx context.Context, groupID, actorID string) (string, error)
	InvitationsOf(ctx context.Context, groupID, actorID string) ([]storage.Invitation, error)
	OpenInvitation(ctx context.Context, groupName, token string) (*storage.Group, *storage.Invitation, error)
	ClaimInvitation(ctx context.Context, groupName, token, handle string) (string, error)
}

// inviteRoutes mounts the invitation pages: a member's (inside the
// session check) and the invitee's (no session: the token is the key).
func (m *Members) inviteRoutes(member, public chi.Router) {
	member.Get("/invitations", m.h(m.invitationsPage))
	member.With(m.cop.Handler, m.limitBody, m.checkCSRF).Post("/invitations", m.h(m.invitationCreate))
	public.Get("/invitation", m.h(m.invitationPage))
	public.With(m.cop.Handler, m.limitBody).Post("/invitation", m.h(m.invitationClaim))
}

func (m *Members) invitations() (Invitations, error) {
	inv, ok := m.community.(Invitations)
	if !ok {
		return nil, &httpError{http.StatusNotFound, "There is nothing here."}
	}
	return inv, nil
}

// invitationsData is a member's invitations page.
type invitationsData struct {
	Group *storage.Group
	CSRF  string
	Link  string // the link just made, shown once
	Error string
	List  []invitationRow
}

type invitationRow struct {
	Made, Status string
}

func (m *Members) invitationsPage(w http.ResponseWriter, r *http.Request) error {
	return m.renderInvitations(w, r, http.StatusOK, "", "")
}

func (m *Members) renderInvitations(w http.ResponseWriter, r *http.Request, status int, link, msg string) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	inv, err := m.invitations()
	if err != nil {
		return err
	}
	list, err := inv.InvitationsOf(ctx, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return err
	}
	d := &invitationsData{Group: cur.Group, CSRF: cur.CSRF, Link: link, Error: msg}
	now := m.now()
	for _, i := range list {
		row := invitationRow{Made: when(i.CreatedAt)}
		switch {
		case !i.UsedAt.IsZero() && i.Invitee != nil:
			row.Status = "Used by @" + i.Invitee.Username + "@" + i.Invitee.Host
		case !i.UsedAt.IsZero():
			row.Status = "Used"
		case !now.Before(i.ExpiresAt):
			row.Status = "Expired"
		case i.InviteeHandle != "":
			row.Status = "Opened by @" + i.InviteeHandle + ", who has not followed yet"
		default:
			row.Status = "Not used yet; works until " + i.ExpiresAt.UTC().Format("2 Jan 15:04 UTC")
		}
		d.List = append(d.List, row)
	}
	return m.render(w, status, "invitations", cur.Group.Title, d)
}

// invitationCreate makes an invitation and shows its link once.
func (m *Members) invitationCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	inv, err := m.invitations()
	if err != nil {
		return err
	}
	link, err := inv.CreateInvitation(ctx, cur.Group.ID, cur.Actor.ID)
	var bad *community.InputError
	if errors.As(err, &bad) {
		return m.renderInvitations(w, r, http.StatusUnprocessableEntity, "", bad.Msg)
	}
	if err != nil {
		return err
	}
	m.log.InfoContext(ctx, "member made an invitation", "group", cur.Group.Name)
	return m.renderInvitations(w, r, http.StatusOK, link, "")
}

// invitationData is the invitee's page.
type invitationData struct {
	Group   *storage.Group
	Inviter string // their handle
	Token   string
	Handle  string // what they typed
	Error   string
	Claimed string // the handle the invitation now admits
	Acct    string // the group's handle, to follow
	Expires time.Time
}

func (m *Members) invitationPage(w http.ResponseWriter, r *http.Request) error {
	return m.invitationForm(w, r, http.StatusOK, r.URL.Query().Get("token"), "", "", "")
}

func (m *Members) invitationForm(w http.ResponseWriter, r *http.Request, status int, token, typed, msg, claimed string) error {
	inv, err := m.invitations()
	if err != nil {
		return err
	}
	g, i, err := inv.OpenInvitation(r.Context(), chi.URLParam(r, "name"), token)
	var bad *community.InputError
	if errors.As(err, &bad) {
		g, gerr := storage.GroupByName(r.Context(), m.db, chi.URLParam(r, "name"))
		if gerr != nil {
			return gerr
		}
		return m.render(w, http.StatusNotFound, "invitation", g.Title, &invitationData{Group: g, Error: bad.Msg})
	}
	if err != nil {
		return err
	}
	d := &invitationData{Group: g, Token: token, Handle: typed, Error: msg, Claimed: claimed, Acct: "@" + g.Name + "@" + m.domain, Expires: i.ExpiresAt}
	if i.Inviter != nil {
		d.Inviter = "@" + i.Inviter.Username + "@" + i.Inviter.Host
		if i.Inviter.Name != "" {
			d.Inviter = i.Inviter.Name + " (" + d.Inviter + ")"
		}
	}
	return m.render(w, status, "invitation", g.Title, d)
}

// invitationClaim binds the invitation to the handle typed, then says
// what to follow.
func (m *Members) invitationClaim(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &httpError{http.StatusBadRequest, "The form could not be read."}
	}
	inv, err := m.invitations()
	if err != nil {
		return err
	}
	token, typed := r.PostForm.Get("token"), r.PostForm.Get("handle")
	h, err := inv.ClaimInvitation(r.Context(), chi.URLParam(r, "name"), token, typed)
	var bad *community.InputError
	if errors.As(err, &bad) {
		return m.invitationForm(w, r, http.StatusUnprocessableEntity, token, typed, bad.Msg, "")
	}
	if err != nil {
		return err
	}
	return m.invitationForm(w, r, http.StatusOK, token, typed, "", h)
}
