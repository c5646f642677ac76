package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/kith-social/kith/federation"
	"github.com/kith-social/kith/storage"
)

// Engine is what the admin UI asks of the federation engine: every action
// that changes what other servers see goes through it, so that it is
// federated and written to the moderation log in the same transaction.
// *federation.Engine satisfies it (checked in web/web.go).
type Engine interface {
	UpdateGroup(ctx context.Context, g *storage.Group, by federation.Staff) error

	PublishPost(ctx context.Context, groupName string, in federation.PostInput, by federation.Staff) (*storage.Post, error)
	EditPost(ctx context.Context, postID string, in federation.PostInput, by federation.Staff) error
	DeleteOwnPost(ctx context.Context, postID string, by federation.Staff) error
	SetPinned(ctx context.Context, postID string, pinned bool, by federation.Staff) error

	DecideFollow(ctx context.Context, groupName, actorIRI string, approve bool) error
	ApprovePost(ctx context.Context, postID string, by federation.Staff) error
	RejectPost(ctx context.Context, postID, reason string, by federation.Staff) error
	RemovePost(ctx context.Context, postID, reason string, by federation.Staff) error
	Ban(ctx context.Context, groupName, actorIRI, reason string, by federation.Staff) error
	Unban(ctx context.Context, groupName, actorIRI string, by federation.Staff) error
	BlockDomain(ctx context.Context, domain, reason string, by federation.Staff) error
	UnblockDomain(ctx context.Context, domain string, by federation.Staff) error
	ForwardReport(ctx context.Context, reportID string, by federation.Staff) error

	// Answering members as the group.
	ReplyAsGroup(ctx context.Context, postID string, in federation.PostInput, by federation.Staff, signed bool) (*storage.Post, error)
	LikeAsGroup(ctx context.Context, postID string, by federation.Staff) error
	BoostAsGroup(ctx context.Context, postID string, by federation.Staff) error

	// Polls and scheduled posts.
	PublishPoll(ctx context.Context, groupName string, in federation.PollInput, by federation.Staff) (*storage.Post, error)
	SchedulePost(ctx context.Context, groupName string, in federation.PostInput, at time.Time, by federation.Staff) (string, error)
	SchedulePoll(ctx context.Context, groupName string, in federation.PollInput, at time.Time, by federation.Staff) (string, error)
	CancelScheduled(ctx context.Context, groupName, id string, by federation.Staff) error
	ListScheduled(ctx context.Context, groupName string) ([]storage.ScheduledPost, error)

	// Modmail and anonymous posts.
	ReplyModmail(ctx context.Context, conversationID, markdown string, internal bool, by federation.Staff) error
	DecideAnonymous(ctx context.Context, requestID string, approve bool, reason string, by federation.Staff) (*storage.Post, error)
	ForgetAnonymous(ctx context.Context, requestID string, by federation.Staff) error

	BelongingEngine // events, badges, the digest and welcome settings (belonging.go)

	// MediaURL is the public URL of a file under DataDir/media.
	MediaURL(rel string) string
}

// staffOf names the logged-in staff member for the moderation log.
func staffOf(r *http.Request) federation.Staff {
	s := currentSession(r.Context()).Staff
	return federation.Staff{ID: s.ID, Name: s.Username}
}
