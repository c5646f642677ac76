// Package iri mints and parses every IRI the node owns. The route table in
// web, the ids in every document and Owns all come from here, so they agree.
//
// Layout (BASE = scheme://domain):
//
//	BASE/                               the home page (the instance actor's url)
//	BASE/actor                          the instance actor (Application)
//	BASE/actor/outbox                   its outbox
//	BASE/inbox                          the shared inbox
//	BASE/.well-known/webfinger?resource={uri}  WebFinger, as host-meta names it
//	BASE/nodeinfo/VERSION               NodeInfo
//	BASE/media/PATH                     an uploaded file
//	BASE/groups/NAME                    a group actor (HTML for browsers)
//	BASE/groups/NAME/{inbox,outbox,followers,following,featured,moderators}
//	COLLECTION?page=true[&before=ID]    a page of a collection
//	BASE/groups/NAME/posts/ID           a post the group knows (its own, or its copy's page)
//	BASE/groups/NAME/posts/ID/activity  the Create that published the group's own post
//	BASE/groups/NAME/activities/ID      an activity the group sent
//	BASE/groups/NAME/activities/ID/note the Note of a direct message the group sent
//	ACTIVITY/undo                       the group's Undo of an activity it sent
package iri

import (
	"net/url"
	"path"
	"strings"
)

// Builder mints IRIs for one node.
type Builder struct {
	base   string // scheme://domain, no trailing slash
	domain string
}

// New returns a Builder for the node at scheme://domain.
func New(scheme, domain string) Builder {
	return Builder{base: scheme + "://" + domain, domain: domain}
}

// Base is scheme://domain.
func (b Builder) Base() string { return b.base }

// Domain is the host[:port] of the node.
func (b Builder) Domain() string { return b.domain }

// InstanceActor is the node's Application actor, which signs outgoing GETs.
func (b Builder) InstanceActor() string { return b.base + "/actor" }

// Home is the node's home page, the instance actor's url.
func (b Builder) Home() string { return b.base + "/" }

// WebFingerTemplate is the WebFinger URL with the resource left as the
// {uri} placeholder, as host-meta advertises it (RFC 6415).
func (b Builder) WebFingerTemplate() string { return b.base + "/.well-known/webfinger?resource={uri}" }

// NodeInfo is the NodeInfo document of a schema version ("2.0", "2.1").
func (b Builder) NodeInfo(version string) string { return b.base + "/nodeinfo/" + version }

// Media is the public URL of an uploaded file, rel being its path under
// the data directory's media/; the path is cleaned, so it cannot name
// anything outside.
func (b Builder) Media(rel string) string {
	return b.base + "/media/" + strings.TrimPrefix(path.Clean("/"+rel), "/")
}

// InstanceKey is the instance actor's key id.
func (b Builder) InstanceKey() string { return b.InstanceActor() + "#main-key" }

// InstanceOutbox is the instance actor's outbox (always empty).
func (b Builder) InstanceOutbox() string { return b.InstanceActor() + "/outbox" }

// SharedInbox receives activities for every group of the node.
func (b Builder) SharedInbox() string { return b.base + "/inbox" }

// Group is a group actor's id.
func (b Builder) Group(name string) string { return b.base + "/groups/" + name }

// GroupKey is a group's key id.
func (b Builder) GroupKey(name string) string { return b.Group(name) + "#main-key" }

// GroupCollection is a group's collection or endpoint by its last path
// segment ("outbox", "followers"...); the methods below name each.
func (b Builder) GroupCollection(name, collection string) string {
	return b.Group(name) + "/" + collection
}

// CollectionPage is a page of a collection the node serves: the first
// when before is "", else the one that starts after the item before.
func (b Builder) CollectionPage(collection, before string) string {
	page := collection + "?page=true"
	if before != "" {
		page += "&before=" + url.QueryEscape(before)
	}
	return page
}

// GroupInbox and the following are a group's endpoints and collections.
func (b Builder) GroupInbox(name string) string      { return b.GroupCollection(name, "inbox") }
func (b Builder) GroupOutbox(name string) string     { return b.GroupCollection(name, "outbox") }
func (b Builder) GroupFollowers(name string) string  { return b.GroupCollection(name, "followers") }
func (b Builder) GroupFollowing(name string) string  { return b.GroupCollection(name, "following") }
func (b Builder) GroupFeatured(name string) string   { return b.GroupCollection(name, "featured") }
func (b Builder) GroupModerators(name string) string { return b.GroupCollection(name, "moderators") }

// Post is the IRI of a group post (the id of the group's own posts).
func (b Builder) Post(group, postID string) string { return b.Group(group) + "/posts/" + postID }

// PostActivity is the id of the Create that published one of the group's
// own posts; derived from the post, so the post's id names it.
func (b Builder) PostActivity(group, postID string) string {
	return b.Post(group, postID) + "/activity"
}

// Activity is the id of an activity the group sent.
func (b Builder) Activity(group, id string) string { return b.Group(group) + "/activities/" + id }

// ActivityNote is the id of the Note a direct message from the group
// carries, id being the id of its Create (as in Activity).
func (b Builder) ActivityNote(group, id string) string { return b.Activity(group, id) + "/note" }

// Undo is the id of the group's Undo of an activity it sent (a Block, an
// Announce); derived from that activity, whose IRI is all the caller
// needs to name it.
func (b Builder) Undo(activity string) string { return activity + "/undo" }

// Announce is the id of the group's plain boost of a post; derived from
// the post so that Undo can name it again later.
func (b Builder) Announce(group, postID string) string {
	return b.Group(group) + "/activities/announce-" + postID
}

// AnnounceActivity is the id of the group's FEP-1b12 Announce of an
// activity it received; derived from the post and the activity's kind.
func (b Builder) AnnounceActivity(group, postID, kind string) string {
	return b.Group(group) + "/activities/announce-" + strings.ToLower(kind) + "-" + postID
}

// MemberPages is the root of a group's members' own pages (web/members).
func (b Builder) MemberPages(group string) string { return b.Group(group) + "/me" }

// MemberSignIn is the one-time sign-in link a member receives by direct
// message. The token is a query parameter, which request logs leave out.
func (b Builder) MemberSignIn(group, token string) string {
	return b.MemberPages(group) + "/signin?token=" + url.QueryEscape(token)
}

// MemberInvitation is the one-time link a member gives someone they vouch
// for; the token is a query parameter, which request logs leave out.
func (b Builder) MemberInvitation(group, token string) string {
	return b.MemberPages(group) + "/invitation?token=" + url.QueryEscape(token)
}

// Acct is the WebFinger handle of a group.
func (b Builder) Acct(name string) string { return "acct:" + name + "@" + b.domain }

// Owns tells whether iri belongs to this node.
func (b Builder) Owns(iri string) bool {
	// Most IRIs asked about are other servers' (every member inbox of
	// every fan-out): without the domain in its text, nor an escape that
	// could spell it, an IRI cannot name this node, and parsing it was a
	// tenth of what the inbox allocated.
	if !strings.Contains(iri, b.domain) && !strings.Contains(iri, "%") {
		return false
	}
	u, err := url.Parse(iri)
	return err == nil && u.Host == b.domain && b.base == u.Scheme+"://"+u.Host
}

// GroupName returns the group an IRI of this node belongs to
// (BASE/groups/NAME[/…][#…]), or "" if none.
func (b Builder) GroupName(iri string) string {
	if !b.Owns(iri) {
		return ""
	}
	u, _ := url.Parse(iri)
	rest, ok := strings.CutPrefix(u.Path, "/groups/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// IsGroup tells whether iri is exactly a group actor's id, and which.
func (b Builder) IsGroup(iri string) (string, bool) {
	name := b.GroupName(iri)
	if name == "" || iri != b.Group(name) {
		return "", false
	}
	return name, true
}

// IsGroupFollowers tells whether iri is a group's followers collection.
func (b Builder) IsGroupFollowers(iri string) (string, bool) {
	name := b.GroupName(iri)
	if name == "" || iri != b.GroupFollowers(name) {
		return "", false
	}
	return name, true
}

// PostID returns the post id in BASE/groups/NAME/posts/ID, or "".
func (b Builder) PostID(iri string) (group, id string) {
	name := b.GroupName(iri)
	if name == "" {
		return "", ""
	}
	rest, ok := strings.CutPrefix(iri, b.Group(name)+"/posts/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/#?") {
		return "", ""
	}
	return name, rest
}
