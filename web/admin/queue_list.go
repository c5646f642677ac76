package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// memberPostsPage lists members' posts: held for review, or published.
type memberPostsPage struct {
	Nav   groupNav
	Posts []postRow
	Query string // what the posts are searched for; "" for all
}

// queueList shows the posts held for review, oldest first.
func (a *Admin) queueList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "queue")
	if err != nil {
		return err
	}
	posts, err := storage.ListGroupPosts(ctx, a.db, g.ID, storage.PostPending, false, maxListed)
	if err != nil {
		return err
	}
	rows := a.postRows(posts)
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return a.render(w, r, http.StatusOK, "queue", &page{Title: "Review queue of " + g.Title, Nav: "groups",
		Data: memberPostsPage{Nav: nav, Posts: rows}})
}
