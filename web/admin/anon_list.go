package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kith-social/kith/storage"
)

// anonPage lists anonymous post requests: waiting, and decided (with the
// link to the sender until someone forgets it).
type anonPage struct {
	Nav     groupNav
	Pending []storage.AnonRequest
	Decided []storage.AnonRequest
}

// maxDecidedAnon bounds the decided requests listed, newest first.
const maxDecidedAnon = 50

func (a *Admin) anonList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "anonymous")
	if err != nil {
		return err
	}
	data := anonPage{Nav: nav}
	if data.Pending, err = storage.ListAnonRequests(ctx, a.db, g.ID, storage.AnonPending); err != nil {
		return err
	}
	for _, state := range []string{storage.AnonApproved, storage.AnonRejected} {
		rs, err := storage.ListAnonRequests(ctx, a.db, g.ID, state)
		if err != nil {
			return err
		}
		data.Decided = append(data.Decided, rs...)
	}
	slices.SortFunc(data.Decided, func(x, y storage.AnonRequest) int { return strings.Compare(y.ID, x.ID) })
	if len(data.Decided) > maxDecidedAnon {
		data.Decided = data.Decided[:maxDecidedAnon]
	}
	return a.render(w, r, http.StatusOK, "anonymous", &page{Title: "Anonymous posts in " + g.Title, Nav: "groups", Data: data})
}

// groupAnonRequest loads the {request} of a route; one of another group
// is not found.
func (a *Admin) groupAnonRequest(r *http.Request) (*storage.AnonRequest, error) {
	ctx := r.Context()
	req, err := storage.AnonRequestByID(ctx, a.db, chiParam(r, "request"))
	if err != nil {
		return nil, err
	}
	if req.GroupID != currentGroup(ctx).ID {
		return nil, errNotFound("There is no such anonymous post in this group.")
	}
	return req, nil
}
