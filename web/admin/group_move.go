package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/iri"
	"github.com/kith-social/kith/federation/node"
	"github.com/kith-social/kith/storage"
)

// movePage is the owner's page for moving the group to another server
// (docs/operations.md, "Moving a group to another server"), and for
// receiving a group that moves here.
type movePage struct {
	Nav     groupNav
	Group   *storage.Group
	Self    string // the group's own actor IRI, to give the new server
	Handle  string // @name@domain
	Aliases []string
	Move    *form
	From    *form
}

func (a *Admin) moveForm(w http.ResponseWriter, r *http.Request) error {
	g := currentGroup(r.Context())
	from := newForm(nil)
	from.values.Set("aliases", strings.Join(g.AliasList(), "\n"))
	return a.renderMove(w, r, http.StatusOK, newForm(nil), from)
}

func (a *Admin) renderMove(w http.ResponseWriter, r *http.Request, status int, move, from *form) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "move")
	if err != nil {
		return err
	}
	data := movePage{
		Nav: nav, Group: g, Self: iri.New(a.scheme, a.domain).Group(g.Name), Handle: "@" + g.Name + "@" + a.domain,
		Aliases: g.AliasList(), Move: move, From: from,
	}
	return a.render(w, r, status, "move", &page{Title: "Move " + g.Title, Nav: "groups", Notice: noticeText(r.URL.Query().Get("done")), Data: data})
}

// moveSubmit moves the group to the address typed, after checking that
// the target names this group in alsoKnownAs and asking for confirmation.
func (a *Admin) moveSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	handle := f.Get("target")
	target, err := a.membership.ResolveMoveTarget(ctx, g.Name, handle)
	if errors.Is(err, community.ErrMoveRefused) {
		f.Fail("target", refusalText(err))
		return a.renderMove(w, r, http.StatusUnprocessableEntity, f, newForm(nil))
	} else if err != nil {
		return err
	}
	ok, err := a.confirmed(w, r, f, confirmation{
		Title: "Move " + g.Title + " to " + target.Handle + "?",
		Effects: []string{
			"Every member's server is sent a Move: it unfollows this group and follows " + target.Handle + " instead, on its own, within minutes.",
			"This group's profile says it moved; its public pages send visitors to the new group.",
			"Posts and follows that still arrive here are answered by a direct message naming the new address, and not taken.",
			"Export the group first (kith group export) if the new group is on Kith: importing it there keeps posts, roles and badges, and lets members in without the join questions.",
		},
		Button: "Move the group", Cancel: "/admin/groups/" + g.Name + "/move",
	})
	if !ok || err != nil {
		return err
	}
	if _, err := a.membership.MoveGroup(ctx, g.Name, handle, staffOf(r)); errors.Is(err, community.ErrMoveRefused) {
		f.Fail("target", refusalText(err))
		return a.renderMove(w, r, http.StatusUnprocessableEntity, f, newForm(nil))
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/move?done=moved")
}

// movingFromSubmit sets the addresses the group is moving here from (its
// alsoKnownAs), one a line: what the old server checks before it moves.
func (a *Admin) movingFromSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	var addrs []string
	for _, line := range strings.Split(strings.ReplaceAll(f.Get("aliases"), "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			addrs = append(addrs, line)
		}
	}
	if len(addrs) > 10 {
		f.Fail("aliases", "List at most 10 addresses.")
		return a.renderMove(w, r, http.StatusUnprocessableEntity, newForm(nil), f)
	}
	if _, err := a.membership.SetAliases(ctx, g.Name, addrs, staffOf(r)); err != nil {
		var refused *node.Error
		if errors.As(err, &refused) {
			f.Fail("aliases", refused.Reason)
			return a.renderMove(w, r, http.StatusUnprocessableEntity, newForm(nil), f)
		}
		return err
	}
	return redirect(w, r, "/admin/groups/"+g.Name+"/move?done=moving-from")
}

// refusalText is the reason of a refused move, for the form.
func refusalText(err error) string {
	var refused *node.Error
	if errors.As(err, &refused) {
		return refused.Reason
	}
	return err.Error()
}
