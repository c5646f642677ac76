package members

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/storage"
)

// archivePage is how many threads a page of the archive lists.
const archivePage = 20

// postView is a post on a members' page.
type postView struct {
	ID           string
	AuthorName   string
	Handle       string
	ProfileURL   string
	IconURL      string // through the node: its uploads, or other servers' images through its media cache
	Title, CW    string
	Content      string // sanitised when stored
	Published    time.Time
	Thread       string // the thread on the members' pages
	Images       []imageView
	Replies      int
	Depth        int
	MembersOnly  bool
	RegularsOnly bool   // seen by the group's regulars and leaders only
	Report       string // the report form
	ReportAuthor string // the form to report its author; "" for the group's own and anonymous posts
}

// imageView is an image attached to a post, shown from the node.
type imageView struct {
	Src, Alt      string
	Width, Height int
}

// imageURL is the node-relative URL of an image, never another server's
// (pages ask no other server for anything): the node's own uploads as
// they are, the rest through the media cache; "" when it cannot be shown.
func (m *Members) imageURL(u string) string {
	if u == "" {
		return ""
	}
	if m.media != nil {
		return m.media.URL(u)
	}
	return ""
}

// view is postView with, for the group's copy of a member's members-only
// post (which carries only the text), the images of the original.
func (m *Members) view(ctx context.Context, g *storage.Group, p *storage.Post) (postView, error) {
	v := m.postView(g, p)
	if p.SourceIRI == "" || len(v.Images) > 0 {
		return v, nil
	}
	src, err := storage.PostByIRI(ctx, m.db, g.ID, p.SourceIRI)
	if errors.Is(err, storage.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Images = m.postView(g, src).Images
	return v, nil
}

func (m *Members) postView(g *storage.Group, p *storage.Post) postView {
	v := postView{
		ID: p.ID, Title: p.Name, CW: p.Summary, Content: p.ContentHTML, Published: p.PublishedAt,
		Thread:      cookiePath(g.Name) + "/threads/" + p.RootID,
		MembersOnly: p.Visibility == storage.VisibilityFollowers, RegularsOnly: p.Visibility == storage.VisibilityRegulars,
		Report: cookiePath(g.Name) + "/report/" + p.ID,
	}
	if a := p.Author; a != nil && !p.Anonymous {
		v.AuthorName = strings.TrimSpace(a.Name)
		if v.AuthorName == "" {
			v.AuthorName = a.Username
		}
		v.Handle, v.ProfileURL, v.IconURL = "@"+a.Username+"@"+a.Host, webURL(a.URL, a.IRI), m.imageURL(a.IconURL)
		v.ReportAuthor = reportMemberPath(g.Name, a.ID)
	} else {
		v.AuthorName, v.Handle = g.Title, "@"+g.Name
	}
	for _, a := range media.Images(p.ObjectRaw) {
		if src := m.imageURL(a.URL); src != "" {
			v.Images = append(v.Images, imageView{Src: src, Alt: a.Name, Width: a.Width, Height: a.Height})
		}
	}
	return v
}

// webURL is the first http(s) URL of urls, or "".
func webURL(urls ...string) string {
	for _, u := range urls {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u
		}
	}
	return ""
}

type archiveData struct {
	Group   *storage.Group
	Regular bool // the reader sees the regulars-only threads too
	Threads []postView
	Older   string // the next page, "" at the end
}

// archive lists the group's members-only threads, for its members.
func (m *Members) archive(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	vis, err := m.privateVisibilities(ctx, cur)
	if err != nil {
		return err
	}
	roots, err := storage.PrivateThreads(ctx, m.db, cur.Group.ID, vis, r.URL.Query().Get("before"), archivePage+1)
	if err != nil {
		return err
	}
	d := &archiveData{Group: cur.Group, Regular: slices.Contains(vis, storage.VisibilityRegulars)}
	if len(roots) > archivePage {
		roots = roots[:archivePage]
		d.Older = cookiePath(cur.Group.Name) + "/archive?before=" + roots[len(roots)-1].ID
	}
	for i := range roots {
		v, err := m.view(ctx, cur.Group, &roots[i])
		if err != nil {
			return err
		}
		thread, err := m.thread(r, cur.Group, roots[i].ID, vis)
		if err != nil {
			return err
		}
		v.Replies = len(thread) - 1
		d.Threads = append(d.Threads, v)
	}
	return m.render(w, http.StatusOK, "archive", cur.Group.Title, d)
}

// privateVisibilities are the visibilities of the threads the member may
// read here: members-only, and regulars-only for a regular or a leader
// (asked of the primary at each request, so a demotion counts at once).
func (m *Members) privateVisibilities(ctx context.Context, cur *current) ([]string, error) {
	regular, err := storage.IsRegular(ctx, m.db, cur.Group.ID, cur.Actor.ID)
	if err != nil {
		return nil, err
	}
	if regular {
		return []string{storage.VisibilityFollowers, storage.VisibilityRegulars}, nil
	}
	return []string{storage.VisibilityFollowers}, nil
}

// mayRead tells whether the member may read post p of their group here:
// never a direct message, a regulars-only post only as a regular.
func (m *Members) mayRead(ctx context.Context, cur *current, p *storage.Post) (bool, error) {
	switch p.Visibility {
	case storage.VisibilityDirect:
		return false, nil
	case storage.VisibilityRegulars:
		return storage.IsRegular(ctx, m.db, cur.Group.ID, cur.Actor.ID)
	}
	return true, nil
}

// thread is a members-only (or, for a regular, regulars-only) thread of
// g: its published posts, never a direct message, and a regular's reply
// once, as the group's copy the regulars got. ErrNotFound when rootID is
// not the first post of such a thread.
// vis are the visibilities the reader may see (privateVisibilities).
func (m *Members) thread(r *http.Request, g *storage.Group, rootID string, vis []string) ([]storage.Post, error) {
	ctx := r.Context()
	root, err := storage.PostByID(ctx, m.db, rootID)
	if err != nil {
		return nil, err
	}
	if root.GroupID != g.ID || root.ID != root.RootID || root.State != storage.PostPublished || !slices.Contains(vis, root.Visibility) {
		return nil, fmt.Errorf("members-only thread %s: %w", rootID, storage.ErrNotFound)
	}
	posts, err := storage.Thread(ctx, m.db, rootID, storage.PostPublished)
	if err != nil {
		return nil, err
	}
	copied := map[string]bool{}
	for _, p := range posts {
		if p.SourceIRI != "" && p.Visibility == storage.VisibilityRegulars {
			copied[p.SourceIRI] = true
		}
	}
	out := posts[:0]
	for _, p := range posts {
		if p.GroupID == g.ID && p.Visibility != storage.VisibilityDirect && !copied[p.IRI] &&
			(p.Visibility != storage.VisibilityRegulars || slices.Contains(vis, storage.VisibilityRegulars)) {
			out = append(out, p)
		}
	}
	return out, nil
}

type threadData struct {
	Group *storage.Group
	Posts []postView
}

// threadPage shows one members-only thread.
func (m *Members) threadPage(w http.ResponseWriter, r *http.Request) error {
	cur := currentMember(r.Context())
	vis, err := m.privateVisibilities(r.Context(), cur)
	if err != nil {
		return err
	}
	posts, err := m.thread(r, cur.Group, chi.URLParam(r, "id"), vis)
	if err != nil {
		return err
	}
	depth := map[string]int{}
	d := &threadData{Group: cur.Group}
	for i := range posts {
		v, err := m.view(r.Context(), cur.Group, &posts[i])
		if err != nil {
			return err
		}
		if parent, ok := depth[posts[i].ParentID]; ok && posts[i].ParentID != "" {
			v.Depth = min(parent+1, 4)
		}
		depth[posts[i].ID] = v.Depth
		d.Posts = append(d.Posts, v)
	}
	return m.render(w, http.StatusOK, "thread", cur.Group.Title, d)
}

// directoryEntry is a member listed in the directory.
type directoryEntry struct {
	Name, Handle, ProfileURL, IconURL, Pronouns string
	Fields                                      []community.ProfileField
	Intro                                       string // sanitised HTML of their intro post
	Report                                      string // the form to report them; "" for oneself
	Level                                       string // their trust level, only when they chose to show it
}

type directoryData struct {
	Group   *storage.Group
	Members []directoryEntry
}

// directory lists the members who chose to be listed, for the group's
// members: a closed group's directory is seen nowhere else but by staff.
func (m *Members) directory(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	entries, err := storage.DirectoryMembers(ctx, m.db, cur.Group.ID, 500, 0)
	if err != nil {
		return err
	}
	d := &directoryData{Group: cur.Group}
	for _, e := range entries {
		a := e.Actor
		if a == nil {
			continue
		}
		de := directoryEntry{Name: strings.TrimSpace(a.Name), Handle: "@" + a.Username + "@" + a.Host, ProfileURL: webURL(a.URL, a.IRI), IconURL: m.imageURL(a.IconURL)}
		if a.ID != cur.Actor.ID {
			de.Report = reportMemberPath(cur.Group.Name, a.ID)
		}
		if de.Name == "" {
			de.Name = a.Username
		}
		if e.Profile != nil {
			de.Pronouns, de.Fields = e.Profile.Pronouns, e.Profile.Fields()
		}
		de.Level = e.Level
		if p := e.IntroPost; p != nil && p.State == storage.PostPublished {
			if ok, err := m.mayRead(ctx, cur, p); err != nil {
				return err
			} else if ok {
				de.Intro = p.ContentHTML
			}
		}
		d.Members = append(d.Members, de)
	}
	return m.render(w, http.StatusOK, "directory", cur.Group.Title, d)
}
