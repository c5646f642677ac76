package community

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/actors"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/federation/outbox"
	"github.com/kith-social/kith/federation/vocab"
	"github.com/kith-social/kith/storage"
)

// Moving a group to another server, the way Mastodon moves an account:
// the new group names the old one in alsoKnownAs (SetAliases, on a Kith
// node), the old one sets movedTo and sends Move{object: itself, target:
// the new group} to its members (MoveGroup); each member's server checks
// the alias and follows the new group instead. The old group keeps its
// actor document, redirects its pages and answers later posts with the
// new address. A member's own account moving (OnMove) takes its
// memberships along.

// ErrMoveRefused is a move Kith will not make: the target does not name
// the group in alsoKnownAs, or cannot be found.
var ErrMoveRefused = errors.New("move refused")

func refuseMove(format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return node.Refuse(http.StatusUnprocessableEntity, reason, fmt.Errorf("%s: %w", reason, ErrMoveRefused))
}

// MoveTarget is the group a move goes to.
type MoveTarget struct {
	IRI    string
	Handle string // @name@host
}

// ResolveMoveTarget finds @name@host and checks that it lists the group
// in alsoKnownAs: the check every receiving server makes too, so that a
// move it would refuse is never sent.
func (e *Membership) ResolveMoveTarget(ctx context.Context, groupName, handle string) (*MoveTarget, error) {
	old := e.IRI.Group(groupName)
	name, host, err := actors.SplitHandle(handle)
	if err != nil {
		return nil, refuseMove("%v", err)
	}
	t := &MoveTarget{Handle: "@" + name + "@" + host}
	var aliases []string
	if host == e.IRI.Domain() {
		if name == groupName {
			return nil, refuseMove("a group cannot move to itself")
		}
		ng, err := storage.GroupByName(ctx, e.DB, name)
		if isNotFound(err) {
			return nil, refuseMove("there is no group %s on this server", t.Handle)
		} else if err != nil {
			return nil, err
		}
		t.IRI, aliases = e.IRI.Group(ng.Name), ng.AliasList()
	} else {
		iri, err := e.actors.ActorIRIOf(ctx, name, host)
		if err != nil {
			return nil, refuseMove("%s could not be found: %v", t.Handle, err)
		}
		ra, err := e.actors.Actor(ctx, iri, true) // fresh: the alias may be minutes old
		if err != nil {
			return nil, refuseMove("%s could not be fetched: %v", t.Handle, err)
		}
		va, err := vocab.ParseActor(ctx, []byte(ra.Raw))
		if err != nil {
			return nil, refuseMove("%s: %v", t.Handle, err)
		}
		t.IRI, aliases = ra.IRI, va.AlsoKnownAs
	}
	if !slices.Contains(aliases, old) {
		return nil, refuseMove("%s does not list this group (%s) in alsoKnownAs: on the new server, add this group's address as the address it is moving from, then try again", t.Handle, old)
	}
	return t, nil
}

// MoveGroup moves the group to handle (@name@host), which must list it in
// alsoKnownAs: it records movedTo and sends Move to every member's server.
// Moving again (to the same or another target) sends Move again.
func (e *Membership) MoveGroup(ctx context.Context, groupName, handle string, by Staff) (*MoveTarget, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	t, err := e.ResolveMoveTarget(ctx, groupName, handle)
	if err != nil {
		return nil, err
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.SetGroupMovedTo(ctx, tx, e.Now(), g.ID, t.IRI, t.Handle); err != nil {
			return err
		}
		if err := storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateGroups}); err != nil {
			return err
		}
		id, self := e.IRI.Activity(g.Name, storage.NewID()), e.IRI.Group(g.Name)
		body, err := vocab.Move(id, self, t.IRI, []string{e.IRI.GroupFollowers(g.Name)}, nil)
		if err != nil {
			return fmt.Errorf("build Move: %w", err)
		}
		if err := e.out.Publish(ctx, tx, g, outbox.Activity{IRI: id, Type: "Move", ObjectIRI: self, Body: body, Public: true}, outbox.Members()); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "move group", t.Handle, t.IRI)
	})
	if err != nil {
		return nil, err
	}
	e.Log.InfoContext(ctx, "group moved", "group", g.Name, "to", t.IRI, "by", by.Name)
	return t, nil
}

// SetAliases sets the addresses the group is moving here from (its
// alsoKnownAs). Each is an actor IRI or @name@host, found by WebFinger.
func (e *Membership) SetAliases(ctx context.Context, groupName string, addresses []string, by Staff) ([]string, error) {
	g, err := storage.GroupByName(ctx, e.DB, groupName)
	if err != nil {
		return nil, err
	}
	iris := make([]string, 0, len(addresses))
	for _, a := range addresses {
		iri := a
		if node.HostOf(a) == "" {
			name, host, err := actors.SplitHandle(a)
			if err != nil {
				return nil, node.Refuse(http.StatusUnprocessableEntity, err.Error(), err)
			}
			if host == e.IRI.Domain() {
				iri = e.IRI.Group(name)
			} else if iri, err = e.actors.ActorIRIOf(ctx, name, host); err != nil {
				return nil, node.Refuse(http.StatusUnprocessableEntity, fmt.Sprintf("%s could not be found", a), err)
			}
		}
		if iri == e.IRI.Group(g.Name) {
			return nil, node.Refuse(http.StatusUnprocessableEntity, "a group cannot move from itself", nil)
		}
		if !slices.Contains(iris, iri) {
			iris = append(iris, iri)
		}
	}
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := storage.SetGroupAliases(ctx, tx, e.Now(), g.ID, iris); err != nil {
			return err
		}
		return e.logAction(ctx, tx, g, by, "set moving from", fmt.Sprint(iris), "")
	})
	return iris, err
}

// answerMoved tells the author of a post (or follow) to a group that has
// moved where it went, by DM; the post itself is not taken.
func (e *core) answerMoved(ctx context.Context, g *storage.Group, author *storage.RemoteActor) error {
	err := e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		text := fmt.Sprintf(`<p>This group has moved to <a href="%s">%s</a>. Please follow it there and post there: this address no longer takes posts.</p>`,
			html.EscapeString(g.MovedTo), html.EscapeString(g.MovedToHandle))
		_, err := e.directMessage(ctx, tx, g, author, text, "")
		return err
	})
	if err != nil {
		return err
	}
	return drop("the group has moved to %s", g.MovedTo)
}

// OnMove handles a Move from a member's account to its new account: the
// new account must list the old one in alsoKnownAs (fetched afresh, as
// Mastodon does); then every membership, role, badge and directory entry
// of the old account passes to the new one.
func (e *Membership) OnMove(ctx context.Context, act *vocab.Activity) error {
	defer e.out.MembersChanged()
	origin := act.Actor
	if act.Object == nil || act.Object.ID != origin {
		return drop("Move by %s of something else: only an account can move itself", origin)
	}
	if act.Target == "" || act.Target == origin {
		return drop("Move of %s without a new address", origin)
	}
	if e.IRI.Owns(act.Target) {
		return drop("Move of %s to %s, an address of this server", origin, act.Target)
	}
	old, err := storage.RemoteActorByIRI(ctx, e.DB, origin)
	if isNotFound(err) {
		return drop("Move of %s, who is not known here", origin)
	} else if err != nil {
		return err
	}
	target, err := e.actors.Actor(ctx, act.Target, true)
	if err != nil {
		return drop("Move of %s refused: the new account %s could not be fetched: %v", origin, act.Target, err)
	}
	va, err := vocab.ParseActor(ctx, []byte(target.Raw))
	if err != nil {
		return drop("Move of %s refused: %v", origin, err)
	}
	if !slices.Contains(va.AlsoKnownAs, origin) {
		e.Log.InfoContext(ctx, "move refused: the target does not list the account", "from", origin, "to", target.IRI)
		return drop("Move of %s refused: %s does not list it in alsoKnownAs", origin, target.IRI)
	}
	var groups []string
	err = e.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if groups, err = storage.MoveMembership(ctx, tx, e.Now(), old.ID, target.ID); err != nil {
			return err
		}
		return storage.Notify(ctx, tx, storage.Invalidation{What: storage.InvalidateMembers})
	})
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return drop("Move of %s, who is a member of no group here", origin)
	}
	e.Log.InfoContext(ctx, "membership moved", "from", origin, "to", target.IRI, "groups", len(groups))
	return nil
}
