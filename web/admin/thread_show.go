package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// threadPage is a thread as the group's staff see it: every published
// post in order, the one being answered marked, and the reply form.
type threadPage struct {
	Nav    groupNav
	Target *storage.Post // the post a reply answers
	Posts  []threadPost
}

// threadPost is a post of a thread with what the page shows beside it.
type threadPost struct {
	postRow
	Depth  int // 0 for the thread's first post; replies are indented, up to maxDepth
	Target bool
}

// maxDepth bounds how far replies are indented.
const maxDepth = 4

// threadShow shows the thread of {post}, which the reply form answers.
func (a *Admin) threadShow(w http.ResponseWriter, r *http.Request) error {
	p, err := a.groupPost(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	return a.renderThread(w, r, http.StatusOK, f, p)
}

func (a *Admin) renderThread(w http.ResponseWriter, r *http.Request, status int, f *form, target *storage.Post) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	if target.State != storage.PostPublished {
		return errNotFound("This post is not published in the group.")
	}
	nav, err := a.nav(ctx, "recent")
	if err != nil {
		return err
	}
	posts, err := storage.Thread(ctx, a.db, target.RootID, storage.PostPublished)
	if err != nil {
		return err
	}
	depth := map[string]int{}
	data := threadPage{Nav: nav, Target: target}
	for _, p := range posts {
		d := 0
		if p.ParentID != "" {
			d = min(depth[p.ParentID]+1, maxDepth)
		}
		depth[p.ID] = d
		tp := threadPost{postRow: postRow{Post: p, Images: a.attachments(p.ObjectRaw)}, Depth: d, Target: p.ID == target.ID}
		if tp.postRow.Poll, err = a.pollOf(ctx, &p, a.now()); err != nil {
			return err
		}
		data.Posts = append(data.Posts, tp)
	}
	return a.render(w, r, status, "thread", &page{Title: "Thread in " + g.Title, Nav: "groups", Form: f, Data: data})
}
