package public

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/storage"
)

// maxDepth bounds the indentation of replies; deeper replies line up with
// the deepest level.
const maxDepth = 5

// threadPageData is the thread page's model.
type threadPageData struct {
	Group   *groupView
	Root    postView
	Replies []postView // in reading order: each reply after its parent
	Heading string
}

// threadPage shows a thread: the first post and its replies, each reply
// indented under its parent. It answers /groups/{name}/threads/{id} and,
// for browsers, /groups/{name}/posts/{id}; id may be any post of the
// thread, which is then marked.
func (p *Public) threadPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	post, err := storage.PostByID(ctx, p.db, id)
	if err != nil {
		return err
	}
	if post.GroupID != g.ID || !visible(post) {
		return fmt.Errorf("post %s in group %s: %w", id, g.Name, storage.ErrNotFound)
	}
	root := post
	if post.RootID != post.ID {
		if root, err = storage.PostByID(ctx, p.db, post.RootID); err != nil {
			return err
		}
		if root.GroupID != g.ID || !visible(root) {
			// A public reply in a members-only thread stays hidden with it.
			return fmt.Errorf("thread %s in group %s: %w", post.RootID, g.Name, storage.ErrNotFound)
		}
	}
	posts, err := storage.Thread(ctx, p.db, root.ID, storage.PostPublished)
	if err != nil {
		return err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return err
	}
	d := &threadPageData{Group: gv, Root: p.postView(gv, root)}
	d.Root.Focus = root.ID == id
	if err := attachPolls(ctx, p.db, p.now(), []*storage.Post{root}, []*postView{&d.Root}); err != nil {
		return err
	}
	d.Replies = p.threadOrder(gv, root.ID, posts, id)
	d.Root.Replies = len(d.Replies)
	d.Heading = root.Name
	d.Root.HideTitle = root.Name != ""
	if d.Heading == "" {
		d.Heading = "Thread by " + d.Root.Author.Name
	}
	return p.render(w, http.StatusOK, "thread", &page{
		Title:     plainTitle(root, 70) + " · " + gv.Title,
		Desc:      plainTitle(root, 200),
		Canonical: gv.URL + "/threads/" + root.ID,
		Feeds: []feedLink{
			{Type: "application/rss+xml", Title: gv.Title + " (RSS)", Href: gv.URL + "/feed.rss"},
			{Type: "application/atom+xml", Title: gv.Title + " (Atom)", Href: gv.URL + "/feed.atom"},
		},
		Data: d,
	})
}

// threadOrder puts the visible replies of a thread in reading order: the
// children of each post, oldest first, right after it, depth-first. A reply
// whose parent is not shown (members-only, removed, never received) hangs
// from the first post.
func (p *Public) threadOrder(gv *groupView, rootID string, posts []storage.Post, focus string) []postView {
	shown := map[string]bool{}
	for i := range posts {
		if visible(&posts[i]) && posts[i].ID != rootID {
			shown[posts[i].ID] = true
		}
	}
	children := map[string][]*storage.Post{} // posts arrive oldest first
	for i := range posts {
		post := &posts[i]
		if !shown[post.ID] {
			continue
		}
		parent := post.ParentID
		if !shown[parent] {
			parent = rootID
		}
		children[parent] = append(children[parent], post)
	}
	var out []postView
	done := map[string]bool{}
	var walk func(id string, depth int)
	emit := func(c *storage.Post, depth int) {
		v := p.postView(gv, c)
		v.Depth = min(depth, maxDepth)
		v.Focus = c.ID == focus
		v.Replies = len(children[c.ID])
		out = append(out, v)
		done[c.ID] = true
		walk(c.ID, depth+1)
	}
	walk = func(id string, depth int) {
		for _, c := range children[id] {
			if !done[c.ID] {
				emit(c, depth)
			}
		}
	}
	walk(rootID, 1)
	// Parent links that loop never reach the first post: show those
	// replies anyway, at the first level.
	for i := range posts {
		if shown[posts[i].ID] && !done[posts[i].ID] {
			emit(&posts[i], 1)
		}
	}
	return out
}
