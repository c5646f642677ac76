package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Domain trust levels, for the anti-spam rules.
const (
	TrustTrusted = "trusted" // posts skip the keyword, account-age and probation reviews
	TrustNormal  = "normal"
	TrustReview  = "review" // every post is held for review
)

// DomainTrust is how much the node trusts a server's accounts. Blocked
// servers are domain blocks (DomainBlock), not a trust level here.
type DomainTrust struct {
	bun.BaseModel `bun:"table:domain_trust,alias:dt"`

	Domain    string    `bun:"domain,pk"`
	Level     string    `bun:"level,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// SetDomainTrust sets a server's level; normal removes the entry.
func SetDomainTrust(ctx context.Context, db bun.IDB, now time.Time, domain, level string) error {
	domain = NormalizeDomain(domain)
	switch level {
	case TrustNormal:
		_, err := db.NewDelete().Model((*DomainTrust)(nil)).Where("domain = ?", domain).Exec(ctx)
		if err != nil {
			return fmt.Errorf("reset trust of %s: %w", domain, err)
		}
		return nil
	case TrustTrusted, TrustReview:
	default:
		return fmt.Errorf("trust level %q: want trusted, normal or review", level)
	}
	t := &DomainTrust{Domain: domain, Level: level, UpdatedAt: now.UTC()}
	_, err := db.NewInsert().Model(t).On("CONFLICT (domain) DO UPDATE").
		Set("level = EXCLUDED.level, updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("set trust of %s: %w", domain, err)
	}
	return nil
}

// TrustOf returns a host's trust level (normal when unset). A level set
// for example.com applies to its subdomains.
func TrustOf(ctx context.Context, db bun.IDB, host string) (string, error) {
	var levels []DomainTrust
	err := db.NewSelect().Model(&levels).Where("domain IN (?)", bun.List(domainCandidates(host))).Scan(ctx)
	if err != nil {
		return "", fmt.Errorf("trust of %s: %w", host, err)
	}
	level, best := TrustNormal, -1
	for _, l := range levels {
		if len(l.Domain) > best { // the most specific entry wins
			level, best = l.Level, len(l.Domain)
		}
	}
	return level, nil
}

// ListDomainTrust lists the servers with a non-normal level.
func ListDomainTrust(ctx context.Context, db bun.IDB) ([]DomainTrust, error) {
	var ts []DomainTrust
	if err := db.NewSelect().Model(&ts).Order("domain").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list domain trust: %w", err)
	}
	return ts, nil
}

// FeedbackAllowed records a feedback DM to an actor from a group unless
// one was sent within `every`; it reports whether this one may go.
func FeedbackAllowed(ctx context.Context, db bun.IDB, groupID, actorID string, now time.Time, every time.Duration) (bool, error) {
	now = now.UTC()
	res, err := db.NewInsert().Model(&feedbackSent{GroupID: groupID, ActorID: actorID, SentAt: now}).
		On("CONFLICT (group_id, actor_id) DO UPDATE").
		Set("sent_at = EXCLUDED.sent_at").
		Where("fs.sent_at < ?", now.Add(-every)).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("feedback rate limit: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

type feedbackSent struct {
	bun.BaseModel `bun:"table:feedback_sent,alias:fs"`

	GroupID string    `bun:"group_id,pk"`
	ActorID string    `bun:"actor_id,pk"`
	SentAt  time.Time `bun:"sent_at,notnull"`
}

// Anonymous request states.
const (
	AnonPending  = "pending"
	AnonApproved = "approved"
	AnonRejected = "rejected"
)

// AnonRequest is a member's request that the group publish a post without
// naming them. ActorID links it to the sender for moderators and can be
// purged (set empty) once decided.
type AnonRequest struct {
	bun.BaseModel `bun:"table:anon_requests,alias:ar"`

	ID          string    `bun:"id,pk"`
	GroupID     string    `bun:"group_id,notnull"`
	ActorID     string    `bun:"actor_id,nullzero"`
	IRI         string    `bun:"iri,notnull"`       // the DM it came in
	SentIRIs    string    `bun:"sent_iris,notnull"` // notes the group sent the sender about it, one per line (anonforget.go)
	ContentHTML string    `bun:"content_html,notnull"`
	MembersOnly bool      `bun:"members_only,notnull"`
	State       string    `bun:"state,notnull"`
	PostID      string    `bun:"post_id,notnull"`
	Reason      string    `bun:"reason,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	DecidedAt   time.Time `bun:"decided_at,nullzero"`

	Actor *RemoteActor `bun:"rel:belongs-to,join:actor_id=id"`
}

// CreateAnonRequest stores a request.
func CreateAnonRequest(ctx context.Context, db bun.IDB, now time.Time, r *AnonRequest) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	r.State = AnonPending
	r.CreatedAt = now.UTC()
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("store anonymous request: %w", err)
	}
	return nil
}

// AnonRequestByID loads a request with its sender (if not purged).
func AnonRequestByID(ctx context.Context, db bun.IDB, id string) (*AnonRequest, error) {
	r := new(AnonRequest)
	if err := db.NewSelect().Model(r).Relation("Actor").Where("ar.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "anonymous request "+id)
	}
	return r, nil
}

// ListAnonRequests lists a group's requests in a state, oldest first.
func ListAnonRequests(ctx context.Context, db bun.IDB, groupID, state string) ([]AnonRequest, error) {
	var rs []AnonRequest
	err := db.NewSelect().Model(&rs).Relation("Actor").Where("ar.group_id = ? AND ar.state = ?", groupID, state).Order("ar.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list anonymous requests: %w", err)
	}
	return rs, nil
}

// DecideAnonRequest records a decision (and the post it became).
func DecideAnonRequest(ctx context.Context, db bun.IDB, now time.Time, id, state, postID, reason string) error {
	res, err := db.NewUpdate().Model((*AnonRequest)(nil)).
		Set("state = ?, post_id = ?, reason = ?, decided_at = ?", state, postID, reason, now.UTC()).
		Where("id = ? AND state = ?", id, AnonPending).Exec(ctx)
	if err != nil {
		return fmt.Errorf("decide anonymous request: %w", err)
	}
	return mustAffect(res, "pending anonymous request "+id)
}

// CountAuthorPosts counts an actor's published posts in a group (a
// non-member's posts are reviewed until they reach the member threshold).
func CountAuthorPosts(ctx context.Context, db bun.IDB, groupID, actorID string) (int, error) {
	n, err := db.NewSelect().Model((*Post)(nil)).
		Where("group_id = ? AND author_id = ? AND state = ?", groupID, actorID, PostPublished).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count posts of %s: %w", actorID, err)
	}
	return int(n), nil
}

// SetJoinAnswer stores an applicant's answer to the join questions.
func SetJoinAnswer(ctx context.Context, db bun.IDB, followID, answer string) error {
	res, err := db.NewUpdate().Model((*Follow)(nil)).Set("join_answer = ?", answer).Where("id = ?", followID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store join answer: %w", err)
	}
	return mustAffect(res, "follow "+followID)
}
