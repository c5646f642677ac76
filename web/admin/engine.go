package admin

import (
	"context"
	"net/http"

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

	// MediaURL is the public URL of a file under DataDir/media.
	MediaURL(rel string) string
}

// staffOf names the logged-in staff member for the moderation log.
func staffOf(r *http.Request) federation.Staff {
	s := currentSession(r.Context()).Staff
	return federation.Staff{ID: s.ID, Name: s.Username}
}
