// Package community is what a Kith group is: groups and their settings,
// membership, posting policy and review, moderation and safety, events,
// polls, belonging (badges, the directory, introductions), modmail,
// notifications, digests and scheduled posts, and the documents others
// fetch, as services with one job each (Community, below). It decides
// what happens to each received activity (the On* methods, called by
// federation/inbox) and to each staff action (called by the web admin),
// stores the outcome, and hands what the group sends to federation/outbox
// in the same transaction.
package community

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/storage"
)

// Community is the community of every group on the node: services with
// one job each, built by New. Their dependencies point one way, down
// this list; each also uses the shared core.
//
//	Posting    → Membership, Modmail, Moderation, Belonging, Events, Notifier
//	Membership → Belonging, Notifier
//	Modmail    → Moderation, Belonging, Notifier
//	Moderation → Notifier, Documents
//	Belonging, Events, Notifier, Documents → (core only)
type Community struct {
	Posting    *Posting
	Membership *Membership
	Modmail    *Modmail
	Moderation *Moderation
	Belonging  *Belonging
	Events     *Events
	Notifier   *Notifier
	Documents  *Documents
	Members    *MembersPages // the members' own web (memberweb.go)
	core       *core
}

// Posting is what the group publishes and what members post to it: a
// received post through the posting policy, review and announce
// (posting.go), edits, deletes and reactions, staff's posts and pins
// (compose.go), answering members as the group (reply.go), polls
// (poll.go) and scheduled posts (schedule.go).
type Posting struct {
	*core
	membership *Membership
	modmail    *Modmail
	moderation *Moderation
	belonging  *Belonging
	events     *Events
	notifier   *Notifier
}

// Membership is joining and leaving a group: follows, the join
// questions, staff's decision, an account gone (membership.go).
type Membership struct {
	*core
	belonging *Belonging
	notifier  *Notifier
}

// Modmail is the private messages members send the group: commands,
// anonymous posts and reports sent as messages go to Belonging and
// Moderation, the rest is a conversation with staff (safety.go).
type Modmail struct {
	*core
	moderation *Moderation
	belonging  *Belonging
	notifier   *Notifier
}

// Moderation is what staff decide about a group, its members and what
// they send: the profile, removals, bans, domain blocks, reports, the
// safety screen of received posts and anonymous posts (moderation.go,
// safety.go, anonymous.go).
type Moderation struct {
	*core
	notifier  *Notifier
	documents *Documents
}

// Belonging is what makes members feel part of the group: the welcome,
// members' commands, badges, the belonging settings and the digest
// (belonging.go).
type Belonging struct{ *core }

// Events are group events: publishing, editing, cancelling, members
// going and leaving, reminders (event.go).
type Events struct{ *core }

// Notifier tells staff what happened (the in-app list) and mails them
// (notify.go).
type Notifier struct{ *core }

// Documents are the ActivityPub documents others fetch: the instance
// actor, groups, their collections, posts and activities
// (documents.go, activity_documents.go, readers.go).
type Documents struct{ *core }

// core is what every service of the community shares: the node, the
// outbox it publishes through, the remote actors, the configuration and
// the hooks, with the helpers they all call (addressing, the moderation
// log, a direct message, publishing a group post, retracting one).
type core struct {
	*node.Node
	out    *outbox.Outbox
	actors *actors.Actors
	engage EngagementConfig
	hooks  Hooks
}

// Hooks are what the community asks of the packages above it, set by
// federation.New.
type Hooks struct {
	// ForgetReceived drops what the inbox keeps in memory of a received
	// activity (its parsed copy), when the activity must be forgotten.
	ForgetReceived func(activityID string)
}

// SetHooks sets the hooks (federation.New, before the node serves).
func (c *Community) SetHooks(h Hooks) { c.core.hooks = h }

// New builds the community's services.
func New(n *node.Node, out *outbox.Outbox, a *actors.Actors, engage EngagementConfig) *Community {
	c := &core{Node: n, out: out, actors: a, engage: engage.withDefaults()}
	notifier := &Notifier{core: c}
	documents := &Documents{core: c}
	events := &Events{core: c}
	belonging := &Belonging{core: c}
	moderation := &Moderation{core: c, notifier: notifier, documents: documents}
	modmail := &Modmail{core: c, moderation: moderation, belonging: belonging, notifier: notifier}
	membership := &Membership{core: c, belonging: belonging, notifier: notifier}
	posting := &Posting{core: c, membership: membership, modmail: modmail, moderation: moderation,
		belonging: belonging, events: events, notifier: notifier}
	members := &MembersPages{core: c, membership: membership, events: events, posting: posting, notifier: notifier}
	return &Community{
		Posting: posting, Membership: membership, Modmail: modmail, Moderation: moderation,
		Belonging: belonging, Events: events, Notifier: notifier, Documents: documents, Members: members, core: c,
	}
}

// AddWorkers registers the community's jobs (polls, scheduled posts,
// notification mail, event reminders, digests, promotions, the purge of
// expired sign-in links) and returns its periodic jobs.
func (c *Community) AddWorkers(workers *river.Workers) []*river.PeriodicJob {
	periodic := c.addEngagementWorkers(workers)
	periodic = append(periodic, c.addBelongingWorkers(workers)...) // events, digests (belonging.go)
	periodic = append(periodic, c.addTrustWorkers(workers)...)     // promotion to trust levels (trust.go)
	return append(periodic, c.addMembersWorkers(workers)...)       // expired sign-in links (memberweb.go)
}

// Dropped is an activity the node does not act on, with the reason; the
// inbox logs it and does not retry.
type Dropped struct{ Reason string }

func (d *Dropped) Error() string { return "dropped: " + d.Reason }

func drop(format string, args ...any) error { return &Dropped{Reason: fmt.Sprintf(format, args...)} }

// isNotFound tells whether err is a storage miss.
func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

// targetGroup returns the local group an IRI names, or ErrNotFound.
func (e *core) targetGroup(ctx context.Context, db bun.IDB, id string) (*storage.Group, error) {
	name, ok := e.IRI.IsGroup(id)
	if !ok {
		return nil, fmt.Errorf("%s is not a group here: %w", id, storage.ErrNotFound)
	}
	return storage.GroupByName(ctx, db, name)
}
