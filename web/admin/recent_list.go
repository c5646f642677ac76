package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// recentList shows members' latest posts in the group, with a way to
// remove each.
func (a *Admin) recentList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "recent")
	if err != nil {
		return err
	}
	query := r.URL.Query().Get("q")
	var posts []storage.Post
	if query != "" {
		posts, err = storage.SearchMemberPosts(ctx, a.db, g.ID, storage.PostPublished, query, 100)
	} else {
		posts, err = storage.ListGroupPosts(ctx, a.db, g.ID, storage.PostPublished, false, 100)
	}
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "recent", &page{Title: "Member posts in " + g.Title, Nav: "groups",
		Data: memberPostsPage{Nav: nav, Posts: a.postRows(posts), Query: query}})
}
