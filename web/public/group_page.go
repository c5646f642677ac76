package public

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/kith-social/kith/storage"
)

// groupPageData is the group page's model.
type groupPageData struct {
	Group   *groupView
	Pinned  []postView
	Threads []postView
	Older   string // link to the next page; "" on the last
	Paged   bool   // not the first page
	Join    *joinForm
	// HowItWorks explains the group's settings to a visitor, a sentence
	// or two each.
	HowItWorks []string
}

// groupPage shows a group: its profile, pinned posts, recent threads (with
// paging through ?before=ID) and how to join.
func (p *Public) groupPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	before := r.URL.Query().Get("before")
	if before != "" {
		if _, err := uuid.Parse(before); err != nil {
			return &httpError{http.StatusBadRequest, "That page link is broken: go back to the group's first page."}
		}
	}
	g, err := storage.GroupByName(ctx, p.db, chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	d, err := p.groupPageData(ctx, g, before)
	if err != nil {
		return err
	}
	d.Join = &joinForm{}
	return p.render(w, http.StatusOK, "group", p.groupPageMeta(d))
}

func (p *Public) groupPageData(ctx context.Context, g *storage.Group, before string) (*groupPageData, error) {
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return nil, err
	}
	d := &groupPageData{Group: gv, Paged: before != ""}
	bs, err := storage.BelongingSettingsOf(ctx, p.db, g.ID)
	if err != nil {
		return nil, fmt.Errorf("group page %s: %w", g.Name, err)
	}
	ts, err := storage.TrustSettingsOf(ctx, p.db, g.ID)
	if err != nil {
		return nil, fmt.Errorf("group page %s: %w", g.Name, err)
	}
	d.HowItWorks = howItWorks(g, gv.Handle, bs, ts)
	var pinned []storage.Post
	if before == "" {
		if pinned, err = storage.ListPinned(ctx, p.db, g.ID); err != nil {
			return nil, fmt.Errorf("group page %s: %w", g.Name, err)
		}
	}
	roots, err := storage.ListPosts(ctx, p.db, storage.PostFilter{
		GroupID: g.ID, State: storage.PostPublished, Visibilities: publicVisibilities,
		RootsOnly: true, Before: before, Limit: pageSize + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("group page %s: %w", g.Name, err)
	}
	more := len(roots) > pageSize
	if more {
		roots = roots[:pageSize]
	}
	ids := make([]string, 0, len(roots)+len(pinned))
	for _, list := range [][]storage.Post{roots, pinned} {
		for _, post := range list {
			ids = append(ids, post.ID)
		}
	}
	counts, err := storage.PublishedReplyCounts(ctx, p.db, ids, publicVisibilities)
	if err != nil {
		return nil, err
	}
	var shownPinned, shownRoots []*storage.Post
	for i := range pinned {
		if !visible(&pinned[i]) {
			continue
		}
		v := p.postView(gv, &pinned[i])
		v.Replies = counts[v.ID] // 0 for a pinned reply: its link opens the thread
		v.Listing = true
		d.Pinned = append(d.Pinned, v)
		shownPinned = append(shownPinned, &pinned[i])
	}
	for i := range roots {
		// Pinned threads head the first page; they are not listed twice.
		if !visible(&roots[i]) || roots[i].Pinned {
			continue
		}
		v := p.postView(gv, &roots[i])
		v.Replies = counts[v.ID]
		v.Listing = true
		d.Threads = append(d.Threads, v)
		shownRoots = append(shownRoots, &roots[i])
	}
	if err := attachPolls(ctx, p.db, p.now(), shownPinned, pointers(d.Pinned)); err != nil {
		return nil, err
	}
	if err := attachPolls(ctx, p.db, p.now(), shownRoots, pointers(d.Threads)); err != nil {
		return nil, err
	}
	if more {
		d.Older = gv.Path + "?before=" + roots[len(roots)-1].ID + "#threads"
	}
	return d, nil
}

// groupPageMeta wraps the model in the page: title, description, feeds.
func (p *Public) groupPageMeta(d *groupPageData) *page {
	g := d.Group
	pg := &page{
		Title:     g.Title + " (" + g.Handle + ")",
		Desc:      g.Excerpt,
		Canonical: g.URL,
		Feeds: []feedLink{
			{Type: "application/rss+xml", Title: g.Title + " (RSS)", Href: g.URL + "/feed.rss"},
			{Type: "application/atom+xml", Title: g.Title + " (Atom)", Href: g.URL + "/feed.atom"},
			{Type: "application/activity+json", Title: g.Handle, Href: g.URL},
		},
		Data: d,
	}
	if d.Paged {
		pg.Title = "Older threads · " + pg.Title
		pg.NoIndex = true
	}
	return pg
}
