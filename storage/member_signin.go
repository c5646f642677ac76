package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// SignInToken is a one-time link that signs a member in to their group's
// members' pages. Only the SHA-256 of the token is stored; the token
// itself travelled in a direct message (NoteIRI) to the member.
type SignInToken struct {
	bun.BaseModel `bun:"table:member_signin_tokens,alias:mst"`

	ID        string    `bun:"id,pk"`
	TokenHash string    `bun:"token_hash,notnull"`
	GroupID   string    `bun:"group_id,notnull"`
	ActorID   string    `bun:"actor_id,notnull"`
	NoteIRI   string    `bun:"note_iri,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	UsedAt    time.Time `bun:"used_at,nullzero"`
}

// CreateSignInToken stores t, filling its ID.
func CreateSignInToken(ctx context.Context, db bun.IDB, t *SignInToken) error {
	if t.TokenHash == "" || t.GroupID == "" || t.ActorID == "" || t.ExpiresAt.IsZero() || t.CreatedAt.IsZero() {
		return fmt.Errorf("create sign-in token: hash, group, actor, creation and expiry are required")
	}
	if t.ID == "" {
		t.ID = NewID()
	}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("create sign-in token for %s: %w", t.ActorID, err)
	}
	return nil
}

// SetSignInNote records the direct message that carried a token.
func SetSignInNote(ctx context.Context, db bun.IDB, id, noteIRI string) error {
	res, err := db.NewUpdate().Model((*SignInToken)(nil)).Set("note_iri = ?", noteIRI).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("record the message of sign-in token %s: %w", id, err)
	}
	return mustAffect(res, "sign-in token "+id)
}

// UseSignInToken spends the token with this hash for groupID at now: it
// must exist, belong to the group, be unused and unexpired; otherwise
// ErrNotFound. The UPDATE's condition makes it single-use even when two
// requests race. The group's outbox copy of the message that carried the
// link is deleted with it: the link is spent and nothing keeps it.
func UseSignInToken(ctx context.Context, db bun.IDB, now time.Time, groupID, tokenHash string) (*SignInToken, error) {
	t := new(SignInToken)
	err := db.NewSelect().Model(t).Where("token_hash = ? AND group_id = ?", tokenHash, groupID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "sign-in token")
	}
	res, err := db.NewUpdate().Model((*SignInToken)(nil)).Set("used_at = ?", now.UTC()).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", t.ID, now.UTC()).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("use sign-in token: %w", err)
	}
	if err := mustAffect(res, "unused sign-in token"); err != nil {
		return nil, err
	}
	if err := deleteSignInNotes(ctx, db, []string{t.NoteIRI}); err != nil {
		return nil, err
	}
	t.UsedAt = now.UTC()
	return t, nil
}

// PurgeSignInTokens deletes tokens that expired before now, used or not,
// with the group's outbox copies of the messages that carried them.
func PurgeSignInTokens(ctx context.Context, db bun.IDB, now time.Time) error {
	var notes []string
	err := db.NewSelect().Model((*SignInToken)(nil)).Column("note_iri").
		Where("expires_at <= ? AND note_iri <> ''", now.UTC()).Scan(ctx, &notes)
	if err != nil {
		return fmt.Errorf("expired sign-in tokens: %w", err)
	}
	if err := deleteSignInNotes(ctx, db, notes); err != nil {
		return err
	}
	if _, err := db.NewDelete().Model((*SignInToken)(nil)).Where("expires_at <= ?", now.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete expired sign-in tokens: %w", err)
	}
	return nil
}

// deleteSignInNotes deletes the outbox rows of sign-in messages; a
// delivery still queued for one then finds nothing to send.
func deleteSignInNotes(ctx context.Context, db bun.IDB, notes []string) error {
	var iris []string
	for _, n := range notes {
		if n != "" {
			iris = append(iris, n)
		}
	}
	if len(iris) == 0 {
		return nil
	}
	if _, err := db.NewDelete().Model((*OutboxActivity)(nil)).Where("object_iri IN (?)", bun.List(iris)).Exec(ctx); err != nil {
		return fmt.Errorf("delete sign-in messages: %w", err)
	}
	return nil
}

// FollowerByAddress finds the actor who follows groupID (a member or an
// applicant) and whom address names: an actor IRI or profile URL
// (address starting with http), or username and host of a handle,
// compared without regard to case. ErrNotFound when no follower matches.
func FollowerByAddress(ctx context.Context, db bun.IDB, groupID, username, host, url string) (*RemoteActor, error) {
	a := new(RemoteActor)
	q := db.NewSelect().Model(a).
		Join("JOIN follows AS f ON f.actor_id = ra.id AND f.group_id = ?", groupID)
	switch {
	case url != "":
		q = q.Where("ra.iri = ? OR ra.url = ?", url, url)
	case username != "" && host != "":
		q = q.Where("lower(ra.username) = ? AND lower(ra.host) = ?", strings.ToLower(username), strings.ToLower(host))
	default:
		return nil, fmt.Errorf("follower with an empty address: %w", ErrNotFound)
	}
	if err := q.OrderExpr("f.created_at DESC").Limit(1).Scan(ctx); err != nil {
		return nil, notFound(err, "follower")
	}
	return a, nil
}

// Sign-in request budgets: what a request for a sign-in link counts
// against.
const (
	SignInByHandle = "handle" // the handle asked for
	SignInByServer = "server" // the handle's server
	SignInByClient = "client" // the address the request came from
)

// SignInBudget is one budget a sign-in request counts against: at most
// Limit requests with this Scope and Subject per Window.
type SignInBudget struct {
	Scope, Subject string
	Limit          int
	Window         time.Duration
}

// signInRequest is one request counted against one budget.
type signInRequest struct {
	bun.BaseModel `bun:"table:member_signin_requests"`

	ID      string    `bun:"id,pk"`
	Scope   string    `bun:"scope,notnull"`
	Subject string    `bun:"subject,notnull"`
	At      time.Time `bun:"at,notnull"`
}

// TakeSignInRequest counts a sign-in request at now against every budget
// and reports whether all of them had room. A refused request is not
// counted, so someone who keeps asking for another's handle cannot push
// the budget further out than its window. Each budget's row is committed
// before the count is read: requests racing in other processes may refuse
// each other, never both pass beyond a limit. Rows older than the longest
// window are deleted on the way.
func TakeSignInRequest(ctx context.Context, db bun.IDB, now time.Time, budgets []SignInBudget) (bool, error) {
	now = now.UTC()
	var longest time.Duration
	var ids []string
	refuse := false
	for _, b := range budgets {
		longest = max(longest, b.Window)
		id := NewID()
		row := &signInRequest{ID: id, Scope: b.Scope, Subject: b.Subject, At: now}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			return false, fmt.Errorf("count sign-in request: %w", err)
		}
		ids = append(ids, id)
		n, err := db.NewSelect().TableExpr("member_signin_requests").
			Where("scope = ? AND subject = ? AND at > ?", b.Scope, b.Subject, now.Add(-b.Window)).Count(ctx)
		if err != nil {
			return false, fmt.Errorf("count sign-in requests: %w", err)
		}
		if n > int64(b.Limit) {
			refuse = true
			break
		}
	}
	if refuse {
		if _, err := db.NewDelete().TableExpr("member_signin_requests").Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return false, fmt.Errorf("uncount refused sign-in request: %w", err)
		}
		return false, nil
	}
	if _, err := db.NewDelete().TableExpr("member_signin_requests").Where("at <= ?", now.Add(-longest)).Exec(ctx); err != nil {
		return false, fmt.Errorf("forget old sign-in requests: %w", err)
	}
	return true, nil
}
