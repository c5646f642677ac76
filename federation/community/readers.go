package community

// Who may fetch a members-only post.
//
// A members-only post is addressed to the group's followers. Its GET must
// be signed, and the signer must be
//
//   - a member of the group (an accepted follower), or
//   - the instance actor of a server where the group has a member: that is
//     how Mastodon-family servers fetch on behalf of their users
//     (Mastodon's https://host/actor, Misskey's instance.actor and Lemmy's
//     site actor are Applications; GoToSocial's https://host/users/host is
//     a Service named after its host). An actor counts as an instance
//     actor when its document says type Application, or type Service with
//     the server's host name as its username — Mastodon also marks bot
//     accounts as Service, and a bot is a user like any other.
//
// Any other user on a member's server is refused (404, as if the post did
// not exist), even though its server could fetch the post with its
// instance actor. That is the trade-off: the node trusts a member's server
// — which already receives every members-only post for its members — to
// show a post addressed to the group's followers only to those followers,
// as the servers above do. It does not trust that server's other users.

import (
	"context"
	"strings"

	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// mayReadMembersOnly tells whether the verified signer of a GET may read
// the group's members-only posts.
func (e *Documents) mayReadMembersOnly(ctx context.Context, g *storage.Group, signer string) (bool, error) {
	if signer == "" || e.IRI.Owns(signer) {
		return false, nil
	}
	a, err := e.actors.Stored(ctx, signer) // stored when its key was resolved
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f, err := storage.FollowOf(ctx, e.Reads, g.ID, a.ID)
	switch {
	case err == nil && f.State == storage.FollowAccepted:
		return true, nil
	case err != nil && !isNotFound(err):
		return false, err
	case !isInstanceActor(a):
		return false, nil
	}
	return e.canReadMembersOnly(ctx, g, a.IRI) // a member on the signer's server
}

// isInstanceActor tells whether a remote actor is its server's own actor
// (see above), not one of its users.
func isInstanceActor(a *storage.RemoteActor) bool {
	switch a.Type {
	case "Application":
		return true
	case "Service":
		host, _, _ := strings.Cut(a.Host, ":")
		return host != "" && strings.EqualFold(a.Username, host)
	}
	return false
}

// canReadMembersOnly tells whether a signed request comes from a server
// with at least one member of the group: only those servers may fetch
// members-only posts.
func (e *Documents) canReadMembersOnly(ctx context.Context, g *storage.Group, signer string) (bool, error) {
	host := node.HostOf(signer)
	if host == "" {
		return false, nil
	}
	return storage.HasMemberOnHost(ctx, e.DB, g.ID, host)
}
