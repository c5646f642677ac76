package community

// The members' own web (web/members): a member signs in with their
// fediverse handle; the group sends them a one-time link by direct
// message. The web layer keeps the sessions; what a person is to a group,
// and the link itself, are decided here.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
)

// MembersPages is what a member does on the group's members' pages
// (web/members) instead of a DM command: signing in, their settings, and
// the actions in memberweb_*.go, each with the effect of its federated
// counterpart.
type MembersPages struct {
	*core
	membership *Membership
	events     *Events
	posting    *Posting
	notifier   *Notifier
}

// SignInLinkLifetime is how long a sign-in link works (once).
const SignInLinkLifetime = 15 * time.Minute

// Standing is what a person is to a group, for its members' pages.
type Standing int

// Standings. An applicant (a pending follow request of a closed group)
// may sign in and see where their request stands, nothing of the members.
const (
	NotAMember Standing = iota
	Applicant
	Member
)

// ErrBadAddress means a typed handle or address cannot name an account.
var ErrBadAddress = errors.New("enter your handle, like @you@your.server, or the address of your profile")

// MemberAddress is what a visitor typed to sign in: a handle (Username
// and Host) or the address of their actor or profile (URL).
type MemberAddress struct {
	Username, Host, URL string
}

// ParseMemberAddress reads "@you@your.server", "you@your.server",
// "acct:you@your.server" or an https:// (or http://) address.
func ParseMemberAddress(s string) (MemberAddress, error) {
	s = strings.TrimSpace(s)
	if len(s) > 500 || s == "" {
		return MemberAddress{}, ErrBadAddress
	}
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return MemberAddress{}, ErrBadAddress
		}
		return MemberAddress{URL: s, Host: strings.ToLower(u.Host)}, nil
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "acct:"), "@")
	user, host, ok := strings.Cut(s, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(s, " /?#\t\n") || strings.Contains(host, "@") {
		return MemberAddress{}, ErrBadAddress
	}
	return MemberAddress{Username: user, Host: strings.ToLower(host)}, nil
}

// Key is the address written one way whatever way it was typed, for rate
// limits.
func (a MemberAddress) Key() string {
	if a.URL != "" {
		return a.URL
	}
	return strings.ToLower(a.Username) + "@" + a.Host
}

// StandingOf tells what actorID is to groupID now: a banned actor is no
// member, whatever else is stored.
func (e *MembersPages) StandingOf(ctx context.Context, groupID, actorID string) (Standing, error) {
	if _, err := storage.BanOf(ctx, e.DB, groupID, actorID); err == nil {
		return NotAMember, nil
	} else if !isNotFound(err) {
		return NotAMember, err
	}
	f, err := storage.FollowOf(ctx, e.DB, groupID, actorID)
	switch {
	case isNotFound(err):
		return NotAMember, nil
	case err != nil:
		return NotAMember, err
	case f.State == storage.FollowAccepted:
		return Member, nil
	case f.State == storage.FollowPending:
		return Applicant, nil
	}
	return NotAMember, nil
}

// RequestSignInLink queues the sending of a sign-in link to whoever addr
// names in the group. It does the same work whoever that is — it looks
// nobody up — so that neither the answer to the form nor the time it
// takes tells a visitor who belongs to the group: the job
// (signInLinkWorker, sendSignInLink) decides, after the answer, whether
// anyone gets a message. The typed address stays in the job's row until
// the queue forgets completed jobs (a day).
func (e *MembersPages) RequestSignInLink(ctx context.Context, groupID string, addr MemberAddress) error {
	return e.Queue.Insert(ctx, signInLinkArgs{GroupID: groupID, Username: addr.Username, Host: addr.Host, URL: addr.URL}, nil)
}

// sendSignInLink sends whoever addr names, if they are a member or an
// applicant of the group, a direct message with a one-time sign-in link;
// anyone else gets nothing, and that is no error.
func (e *MembersPages) sendSignInLink(ctx context.Context, groupID string, addr MemberAddress) error {
	g, err := storage.GroupByID(ctx, e.DB, groupID)
	if err != nil {
		return err
	}
	actor, err := storage.FollowerByAddress(ctx, e.DB, g.ID, addr.Username, addr.Host, addr.URL)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if st, err := e.StandingOf(ctx, g.ID, actor.ID); err != nil || st == NotAMember {
		return err
	}
	token, err := newSignInToken()
	if err != nil {
		return err
	}
	now := e.Now().UTC()
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.PurgeSignInTokens(ctx, tx, now); err != nil {
			return err
		}
		t := &storage.SignInToken{
			TokenHash: hashSignInToken(token), GroupID: g.ID, ActorID: actor.ID,
			CreatedAt: now, ExpiresAt: now.Add(SignInLinkLifetime),
		}
		if err := storage.CreateSignInToken(ctx, tx, t); err != nil {
			return err
		}
		link := html.EscapeString(e.IRI.MemberSignIn(g.Name, token))
		body := fmt.Sprintf(`<p>Here is your link to sign in to the members' pages of %s: <a href="%s">%s</a></p>`+
			`<p>It works once, within %d minutes. If you did not ask for it, ignore this message.</p>`,
			html.EscapeString(g.Title), link, link, int(SignInLinkLifetime/time.Minute))
		noteIRI, err := e.directMessage(ctx, tx, g, actor, body, "")
		if err != nil {
			return err
		}
		return storage.SetSignInNote(ctx, tx, t.ID, noteIRI)
	})
}

// RedeemSignIn spends a sign-in token of the group and returns whom it
// signs in. ErrNotFound: no such token, used, expired, of another group,
// or its member is no longer one (banned, left).
func (e *MembersPages) RedeemSignIn(ctx context.Context, groupName, token string) (*storage.Group, *storage.RemoteActor, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, nil, err
	}
	if token == "" {
		return nil, nil, fmt.Errorf("empty sign-in token: %w", storage.ErrNotFound)
	}
	var t *storage.SignInToken
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		used, err := storage.UseSignInToken(ctx, tx, e.Now(), g.ID, hashSignInToken(token))
		if err != nil {
			return err
		}
		t = used
		// Expired links leave with every use, as with every request.
		return storage.PurgeSignInTokens(ctx, tx, e.Now())
	})
	if err != nil {
		return nil, nil, err
	}
	st, err := e.StandingOf(ctx, g.ID, t.ActorID)
	if err != nil {
		return nil, nil, err
	}
	if st == NotAMember {
		return nil, nil, fmt.Errorf("sign-in of a former member: %w", storage.ErrNotFound)
	}
	actor, err := storage.RemoteActorByID(ctx, e.DB, t.ActorID)
	if err != nil {
		return nil, nil, err
	}
	return g, actor, nil
}

// newSignInToken is 32 random bytes, URL-safe.
func newSignInToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make sign-in token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSignInToken is what the database keeps of a sign-in token: the
// token is random and long, so a plain SHA-256 makes a copy of the
// database useless for signing in.
func hashSignInToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// signInPurgeEvery is how often expired sign-in links are erased. A link
// lives in the group's outbox copy of the message that carried it (a
// delivery retried later needs the body) until it is used or this purge
// finds it expired: at most SignInLinkLifetime plus this.
const signInPurgeEvery = time.Minute

// PurgeExpiredSignIns erases sign-in tokens that expired, used or not,
// with the group's outbox copies of the messages that carried them.
func (e *MembersPages) PurgeExpiredSignIns(ctx context.Context) error {
	return e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return storage.PurgeSignInTokens(ctx, tx, e.Now())
	})
}

// addMembersWorkers registers the sending of sign-in links and the purge
// of expired ones, run every signInPurgeEvery.
func (c *Community) addMembersWorkers(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &signInLinkWorker{e: c.Members})
	river.AddWorker(workers, &signInPurgeWorker{e: c.Members})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(signInPurgeEvery),
		func() (river.JobArgs, *river.InsertOpts) { return signInPurgeArgs{}, nil }, nil)}
}

type signInPurgeArgs struct{}

func (signInPurgeArgs) Kind() string { return "signin_purge" }

func (signInPurgeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type signInPurgeWorker struct {
	river.WorkerDefaults[signInPurgeArgs]
	e *MembersPages
}

func (w *signInPurgeWorker) Work(ctx context.Context, _ *river.Job[signInPurgeArgs]) error {
	return w.e.PurgeExpiredSignIns(ctx)
}

// signInLinkArgs is a request for a sign-in link: the group and the
// address typed.
type signInLinkArgs struct {
	GroupID  string `json:"group_id"`
	Username string `json:"username,omitempty"`
	Host     string `json:"host,omitempty"`
	URL      string `json:"url,omitempty"`
}

func (signInLinkArgs) Kind() string { return "signin_link" }

// A link that could not be sent within a few tries is of no use: it lives
// 15 minutes; the member asks again.
func (signInLinkArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type signInLinkWorker struct {
	river.WorkerDefaults[signInLinkArgs]
	e *MembersPages
}

func (w *signInLinkWorker) Work(ctx context.Context, job *river.Job[signInLinkArgs]) error {
	a := job.Args
	err := w.e.sendSignInLink(ctx, a.GroupID, MemberAddress{Username: a.Username, Host: a.Host, URL: a.URL})
	if isNotFound(err) { // the group is gone
		return river.JobCancel(err)
	}
	return err
}
