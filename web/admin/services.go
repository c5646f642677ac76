package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// The admin UI declares what it asks of the community, one small
// interface per concern. Every action that changes what other servers see
// goes through them, so that it is federated and written to the
// moderation log in the same transaction. Each is one service of
// federation/community (ServicesOf).

// Posting is what staff publish as the group: posts, polls, scheduled
// posts, answers to members; and the review of members' held posts.
type Posting interface {
	PublishPost(ctx context.Context, groupName string, in community.PostInput, by community.Staff) (*storage.Post, error)
	EditPost(ctx context.Context, postID string, in community.PostInput, by community.Staff) error
	DeleteOwnPost(ctx context.Context, postID string, by community.Staff) error
	SetPinned(ctx context.Context, postID string, pinned bool, by community.Staff) error

	// Answering members as the group.
	ReplyAsGroup(ctx context.Context, postID string, in community.PostInput, by community.Staff, signed bool) (*storage.Post, error)
	LikeAsGroup(ctx context.Context, postID string, by community.Staff) error
	BoostAsGroup(ctx context.Context, postID string, by community.Staff) error

	// The review queue: posts held for a moderator.
	ApprovePost(ctx context.Context, postID string, by community.Staff) error
	RejectPost(ctx context.Context, postID, reason string, by community.Staff) error

	// Polls and scheduled posts.
	PublishPoll(ctx context.Context, groupName string, in community.PollInput, by community.Staff) (*storage.Post, error)
	SchedulePost(ctx context.Context, groupName string, in community.PostInput, at time.Time, by community.Staff) (string, error)
	SchedulePoll(ctx context.Context, groupName string, in community.PollInput, at time.Time, by community.Staff) (string, error)
	CancelScheduled(ctx context.Context, groupName, id string, by community.Staff) error
	ListScheduled(ctx context.Context, groupName string) ([]storage.ScheduledPost, error)

	// MediaURL is the public URL of a file under DataDir/media.
	MediaURL(rel string) string
}

// Moderation is what staff decide about the group, its members and what
// they send: the profile, removals, bans, domain blocks, reports,
// anonymous posts.
type Moderation interface {
	UpdateGroup(ctx context.Context, g *storage.Group, by community.Staff) error
	RemovePost(ctx context.Context, postID, reason string, by community.Staff) error
	Ban(ctx context.Context, groupName, actorIRI, reason string, by community.Staff) error
	BanReviewingInvitees(ctx context.Context, groupName, actorIRI, reason string, by community.Staff) error
	ClearReviewFlag(ctx context.Context, groupName, actorID string, by community.Staff) error
	Unban(ctx context.Context, groupName, actorIRI string, by community.Staff) error
	BlockDomain(ctx context.Context, domain, reason string, by community.Staff) error
	UnblockDomain(ctx context.Context, domain string, by community.Staff) error
	ForwardReport(ctx context.Context, reportID string, by community.Staff) error
	DecideAnonymous(ctx context.Context, requestID string, approve bool, reason string, by community.Staff) (*storage.Post, error)
	ForgetAnonymous(ctx context.Context, requestID string, by community.Staff) error
}

// Membership is deciding requests to join.
type Membership interface {
	DecideFollow(ctx context.Context, groupName, actorIRI string, approve bool) error

	// Moving the group to another server (group_move.go).
	ResolveMoveTarget(ctx context.Context, groupName, handle string) (*community.MoveTarget, error)
	MoveGroup(ctx context.Context, groupName, handle string, by community.Staff) (*community.MoveTarget, error)
	SetAliases(ctx context.Context, groupName string, addresses []string, by community.Staff) ([]string, error)
}

// Modmail is answering members' private messages to the group.
type Modmail interface {
	ReplyModmail(ctx context.Context, conversationID, markdown string, internal bool, by community.Staff) error
}

// ServicesOf wires each interface to the community's service that
// provides it.
func ServicesOf(c *community.Community) Services {
	return Services{Posting: c.Posting, Moderation: c.Moderation, Membership: c.Membership, Modmail: c.Modmail, Events: c.Events, Belonging: c.Belonging, Trust: c.Belonging}
}

// Services are the community services the admin UI calls.
type Services struct {
	Posting    Posting
	Moderation Moderation
	Membership Membership
	Modmail    Modmail
	Events     Events    // belonging.go
	Belonging  Belonging // belonging.go
	Trust      Trust     // trust.go
}

// staffOf names the logged-in staff member for the moderation log.
func staffOf(r *http.Request) community.Staff {
	s := currentSession(r.Context()).Staff
	return community.Staff{ID: s.ID, Name: s.Username}
}
