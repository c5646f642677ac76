package fedtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// Account migration, as Mastodon, GoToSocial and Misskey do it. An
// account that moves lists its old address in the new one's alsoKnownAs
// (SetAlsoKnownAs), sets movedTo on the old one and sends Move{actor: old,
// object: old, target: new} to its followers (MoveTo). A server receiving
// it checks that the actor moves itself and fetches the target afresh; a
// target that does not list the old account in alsoKnownAs is refused
// (GoToSocial also wants the old account's movedTo to name the target).
// Otherwise each of its accounts that followed the old account unfollows
// it (Undo{Follow}) and follows the target. The fake instance does the
// same, in the background as the real ones do in a worker, and records
// each Move's outcome (Moves, WaitMove).

// MoveOutcome is what an instance made of a Move it received.
type MoveOutcome struct {
	Origin, Target string
	// Refused says why the move was refused ("" when it was carried out).
	Refused string
	// Moved lists the instance's actors that followed the target instead.
	Moved []string
	// Err is a failure to deliver the Undo or Follow.
	Err string
}

// follows tracks what an instance's actors follow: a Follow they sent
// becomes a follow when its Accept arrives.
type follows struct {
	mu       sync.Mutex
	sentByID map[string]map[string]any // Follow id → the Follow
	accepted map[string]map[string]any // follower IRI + " " + target → the Follow
}

func newFollows() follows {
	return follows{sentByID: make(map[string]map[string]any), accepted: make(map[string]map[string]any)}
}

func (f *follows) sent(follow map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sentByID[str(follow["id"])] = follow
}

// answered records an Accept (or Reject) of one of the sent Follows.
func (f *follows) answered(followID string, accept bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	follow, ok := f.sentByID[followID]
	if !ok {
		return
	}
	key := idOf(follow["actor"]) + " " + idOf(follow["object"])
	if accept {
		f.accepted[key] = follow
	} else {
		delete(f.accepted, key)
	}
}

func (f *follows) of(follower, target string) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	follow, ok := f.accepted[follower+" "+target]
	return follow, ok
}

func (f *follows) drop(follower, target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.accepted, follower+" "+target)
}

// Follows tells whether the actor's Follow of target was accepted (and
// not undone by a Move).
func (a *Actor) Follows(target string) bool {
	_, ok := a.inst.follows.of(a.ID(), target)
	return ok
}

// SetAlsoKnownAs sets the actor's alsoKnownAs: the addresses it moves
// here from.
func (a *Actor) SetAlsoKnownAs(iris ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.alsoKnownAs = slices.Clone(iris)
}

// MoveTo sets the actor's movedTo to target and returns the Move its
// server sends to its followers.
func (a *Actor) MoveTo(target string) map[string]any {
	a.mu.Lock()
	a.movedTo = target
	a.mu.Unlock()
	return a.activity("Move", a.ID(), map[string]any{"target": target, "to": a.followersList()})
}

// react updates the instance's state from an accepted delivery: Accepts
// and Rejects of its actors' Follows, and Moves of accounts they follow.
func (i *Instance) react(d Delivery) {
	switch d.Type() {
	case "Accept", "Reject":
		i.follows.answered(d.ObjectID(), d.Type() == "Accept")
	case "Move":
		i.work.Add(1)
		go func() {
			defer i.work.Done()
			i.processMove(d.Activity)
		}()
	}
}

// processMove carries out (or refuses) a received Move.
func (i *Instance) processMove(act map[string]any) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := MoveOutcome{Origin: idOf(act["actor"]), Target: idOf(act["target"])}
	defer func() {
		i.mu.Lock()
		i.moves = append(i.moves, out)
		close(i.changed)
		i.changed = make(chan struct{})
		i.mu.Unlock()
	}()
	if idOf(act["object"]) != out.Origin {
		out.Refused = "the actor does not move itself"
		return
	}
	if out.Target == "" || out.Target == out.Origin {
		out.Refused = "no target"
		return
	}
	target, err := i.InstanceActor().FetchJSON(ctx, out.Target)
	if err != nil {
		out.Refused = "target: " + err.Error()
		return
	}
	var aliases []string
	for _, v := range asSlice(target["alsoKnownAs"]) {
		aliases = append(aliases, idOf(v))
	}
	if !slices.Contains(aliases, out.Origin) {
		out.Refused = fmt.Sprintf("%s does not list %s in alsoKnownAs", out.Target, out.Origin)
		return
	}
	if i.flavor == GoToSocial {
		origin, err := i.InstanceActor().FetchJSON(ctx, out.Origin)
		if err != nil {
			out.Refused = "origin: " + err.Error()
			return
		}
		if idOf(origin["movedTo"]) != out.Target {
			out.Refused = fmt.Sprintf("%s does not say movedTo %s", out.Origin, out.Target)
			return
		}
	}
	i.mu.Lock()
	locals := make([]*Actor, 0, len(i.actors))
	for _, a := range i.actors {
		locals = append(locals, a)
	}
	i.mu.Unlock()
	slices.SortFunc(locals, func(a, b *Actor) int { return cmp.Compare(a.username, b.username) })
	for _, a := range locals {
		follow, ok := i.follows.of(a.ID(), out.Origin)
		if !ok {
			continue
		}
		i.follows.drop(a.ID(), out.Origin)
		if err := sendOK(ctx, a, out.Origin, a.Undo(follow)); err != nil {
			out.Err += err.Error() + "; "
		}
		if err := sendOK(ctx, a, out.Target, a.Follow(out.Target)); err != nil {
			out.Err += err.Error() + "; "
			continue
		}
		out.Moved = append(out.Moved, a.ID())
	}
}

func sendOK(ctx context.Context, a *Actor, target string, act map[string]any) error {
	resp, err := a.Send(ctx, target, act)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s to %s: HTTP %d", str(act["type"]), target, resp.StatusCode)
	}
	return nil
}

func asSlice(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// Moves returns the outcomes of the Moves the instance processed.
func (i *Instance) Moves() []MoveOutcome {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.moves)
}

// WaitMove blocks until the instance has processed a Move of origin and
// returns its outcome, or fails the test after timeout.
func (i *Instance) WaitMove(t testing.TB, origin string, timeout time.Duration) MoveOutcome {
	t.Helper()
	m, ok := Await(&i.mu, func() chan struct{} { return i.changed }, func() (MoveOutcome, bool) {
		for _, m := range i.moves {
			if m.Origin == origin {
				return m, true
			}
		}
		return MoveOutcome{}, false
	}, timeout)
	if !ok {
		t.Fatalf("fedtest: %s: no Move of %s processed within %s", i.host, origin, timeout)
	}
	return m
}

// MarkFollowing records that follower follows target, as if target had
// accepted a Follow, for tests of Moves between fake actors.
func (i *Instance) MarkFollowing(follower *Actor, target string) {
	f := follower.Follow(target)
	i.follows.answered(str(f["id"]), true)
}
