package community

// Vouching: in a closed group, a member at the level the group chooses
// (default regular) invites someone with a one-time link valid a week,
// made on the members' pages or by the DM command "invite". The invitee
// opens it and types their handle; when that account's follow arrives it
// is accepted at once, without the join questions, and the node records
// who invited whom (the invitation tree staff see). Invitations are
// limited per member and week, and staff can take the right away.
//
// The handle typed on the page is what binds the link to an account: a
// Follow carries no token, and asking the invitee to sign something from
// their server is not possible from a browser. A link shared further can
// only admit one account, and its inviter answers for it in the tree.

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// ErrNoInvitation is a link that is unknown, used or expired.
var ErrNoInvitation = &InputError{Msg: "This invitation link is used, expired or unknown. Ask the member who invited you for a new one."}

// newInvitation makes an invitation by a member and returns its link, or
// the reason they cannot invite (refusal) in words for them.
func (e *core) newInvitation(ctx context.Context, tx bun.Tx, g *storage.Group, inviter *storage.RemoteActor) (link, refusal string, err error) {
	if !g.Closed {
		return "", g.Title + " is open: anyone can join by following " + e.IRI.Acct(g.Name)[len("acct:"):] + ", no invitation needed.", nil
	}
	f, err := storage.FollowOf(ctx, tx, g.ID, inviter.ID)
	if isNotFound(err) || err == nil && f.State != storage.FollowAccepted {
		return "", "Only members of " + g.Title + " can invite.", nil
	}
	if err != nil {
		return "", "", err
	}
	ts, err := storage.TrustSettingsOf(ctx, tx, g.ID)
	if err != nil {
		return "", "", err
	}
	ml, err := storage.MemberLevelOf(ctx, tx, g.ID, inviter.ID)
	if err != nil {
		return "", "", err
	}
	switch {
	case ml.InviteRevoked:
		return "", "The moderators of " + g.Title + " took away your right to invite.", nil
	case ts.InvitesPerWeek == 0:
		return "", g.Title + " does not take invitations from members.", nil
	case storage.LevelRank(ml.Level) < storage.LevelRank(ts.InviteLevel):
		return "", fmt.Sprintf("In %s, a %s or above can invite; you are a %s.", g.Title, ts.InviteLevel, ml.Level), nil
	}
	n, err := storage.CountInvitationsSince(ctx, tx, g.ID, inviter.ID, e.Now().Add(-storage.InvitationLifetime))
	if err != nil {
		return "", "", err
	}
	if n >= ts.InvitesPerWeek {
		return "", fmt.Sprintf("You made %d invitations in the last 7 days, as many as %s allows a week.", n, g.Title), nil
	}
	token, err := newSignInToken()
	if err != nil {
		return "", "", err
	}
	inv := &storage.Invitation{GroupID: g.ID, InviterID: inviter.ID, TokenHash: hashSignInToken(token)}
	if err := storage.CreateInvitation(ctx, tx, e.Now(), inv); err != nil {
		return "", "", err
	}
	e.Log.InfoContext(ctx, "invitation made", "group", g.Name, "inviter", inviter.IRI)
	return e.IRI.MemberInvitation(g.Name, token), "", nil
}

// CreateInvitation is a member making an invitation on the members'
// pages; a refusal is an *InputError saying why.
func (e *MembersPages) CreateInvitation(ctx context.Context, groupID, actorID string) (string, error) {
	var link string
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		g, err := storage.GroupByID(ctx, tx, groupID)
		if err != nil {
			return err
		}
		a, err := storage.RemoteActorByID(ctx, tx, actorID)
		if err != nil {
			return err
		}
		l, refusal, err := e.newInvitation(ctx, tx, g, a)
		if err != nil {
			return err
		}
		if refusal != "" {
			return &InputError{Msg: refusal}
		}
		link = l
		return nil
	})
	return link, err
}

// InvitationsOf lists a member's invitations in a group, newest first.
func (e *MembersPages) InvitationsOf(ctx context.Context, groupID, actorID string) ([]storage.Invitation, error) {
	return storage.InvitationsBy(ctx, e.DB, groupID, actorID, 50)
}

// OpenInvitation loads the invitation a link names, if it still admits
// someone: ErrNoInvitation otherwise.
func (e *MembersPages) OpenInvitation(ctx context.Context, groupName, token string) (*storage.Group, *storage.Invitation, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, nil, err
	}
	inv, err := storage.InvitationByToken(ctx, e.DB, g.ID, hashSignInToken(token))
	if isNotFound(err) || err == nil && !inv.Open(e.Now()) {
		return nil, nil, ErrNoInvitation
	}
	if err != nil {
		return nil, nil, err
	}
	return g, inv, nil
}

// ClaimInvitation binds an open invitation to the handle its invitee
// typed; their follow from that account is then accepted without
// questions. It returns the normalised handle.
func (e *MembersPages) ClaimInvitation(ctx context.Context, groupName, token, handle string) (string, error) {
	h := storage.NormalizeHandle(handle)
	if h == "" {
		return "", &InputError{Msg: "Type your handle as @you@your.server."}
	}
	_, inv, err := e.OpenInvitation(ctx, groupName, token)
	if err != nil {
		return "", err
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return storage.ClaimInvitation(ctx, tx, e.Now(), inv.ID, h)
	})
	if isNotFound(err) {
		return "", ErrNoInvitation
	}
	return h, err
}

// invitedFollow finds the open invitation an applicant claimed, for their
// follow of a closed group, and marks it used: nil when there is none.
func (e *core) invitedFollow(ctx context.Context, tx bun.Tx, g *storage.Group, applicant *storage.RemoteActor) (*storage.Invitation, error) {
	h := storage.NormalizeHandle(applicant.Username + "@" + applicant.Host)
	if h == "" {
		return nil, nil
	}
	inv, err := storage.ClaimedInvitationFor(ctx, tx, g.ID, h, e.Now())
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := storage.UseInvitation(ctx, tx, e.Now(), inv.ID, applicant.ID); err != nil {
		return nil, err
	}
	return inv, nil
}

// inviteCommand answers the DM command "invite" with a link, or why not.
func (e *Belonging) inviteCommand(ctx context.Context, tx bun.Tx, g *storage.Group, inReplyTo string, author *storage.RemoteActor) error {
	link, refusal, err := e.newInvitation(ctx, tx, g, author)
	if err != nil {
		return err
	}
	msg := "<p>" + html.EscapeString(refusal) + "</p>"
	if refusal == "" {
		msg = fmt.Sprintf(`<p>Here is your invitation to %s: <a href="%s">%s</a></p><p>Give it to one person. It works once, for 7 days; they open it, type their handle and follow the group, and they are in without the join questions. The moderators see that they came through you.</p>`,
			html.EscapeString(g.Title), html.EscapeString(link), html.EscapeString(link))
	}
	_, err = e.directMessage(ctx, tx, g, author, msg, inReplyTo)
	return err
}

// isInviteCommand tells whether a member's DM is the "invite" command.
func isInviteCommand(lower string) bool { return strings.TrimRight(lower, ".! ") == "invite" }
