package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// maxListed bounds the rows a moderation page lists at once; the oldest
// requests and newest posts come first, so nothing waiting is hidden for
// long.
const maxListed = 200

// requestsPage lists the requests to join a closed group.
type requestsPage struct {
	Nav      groupNav
	Requests []storage.Follow
}

func (a *Admin) requestList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "requests")
	if err != nil {
		return err
	}
	reqs, err := storage.ListFollows(ctx, a.db, g.ID, storage.FollowPending, maxListed, 0)
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "requests", &page{Title: "Requests to join " + g.Title, Nav: "groups",
		Data: requestsPage{Nav: nav, Requests: reqs}})
}
