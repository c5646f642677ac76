package public

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/federation/media"
	"github.com/kith-social/kith/storage"
)

// publicVisibilities are the visibilities a public page may show.
var publicVisibilities = []string{storage.VisibilityPublic, storage.VisibilityUnlisted}

// feedVisibilities are the visibilities a feed may carry.
var feedVisibilities = []string{storage.VisibilityPublic}

// visible is the one rule for what a public page may show: published, and
// public or unlisted. The queries filter the same way; this is checked
// again on every post that reaches a template.
func visible(p *storage.Post) bool {
	return p.State == storage.PostPublished && p.IsPublicish()
}

// groupView is what the templates show of a group.
type groupView struct {
	Name      string
	Title     string
	Handle    string // @name@domain
	Acct      string // name@domain, for {uri} in remote-follow templates
	URL       string // the group page, absolute
	Path      string // the group page, relative to the node
	Summary   string // sanitised HTML
	Excerpt   string // plain text
	IconURL   string
	HeaderURL string
	Closed    bool
	PublicLog bool // the moderation log is public
	Members   int
	Fields    []field
	Rules     []string
}

// field is a profile field: a rule or a link. The value is sanitised HTML.
type field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// groupFields decodes Group.FieldsJSON, the shape community.GroupFields
// reads too (decoded here so that the pages do not pull in the engine).
func groupFields(g *storage.Group) []field {
	var fs []field
	_ = json.Unmarshal([]byte(g.FieldsJSON), &fs) // written only by the node; none on error
	return fs
}

func (p *Public) groupView(ctx context.Context, db bun.IDB, g *storage.Group) (*groupView, error) {
	members, err := storage.CountFollows(ctx, db, g.ID, storage.FollowAccepted)
	if err != nil {
		return nil, fmt.Errorf("group page %s: %w", g.Name, err)
	}
	title := g.Title
	if title == "" {
		title = g.Name
	}
	return &groupView{
		Name: g.Name, Title: title,
		Handle: "@" + g.Name + "@" + p.domain, Acct: g.Name + "@" + p.domain,
		URL: p.iri.Group(g.Name), Path: "/groups/" + g.Name,
		Summary: g.SummaryHTML, Excerpt: content.Excerpt(g.SummaryHTML, 200),
		IconURL: p.mediaPath(g.IconPath), HeaderURL: p.mediaPath(g.HeaderPath),
		Closed: g.Closed, PublicLog: g.PublicModlog && !g.Closed, Members: members, Fields: groupFields(g), Rules: g.RuleList(),
	}, nil
}

// mediaPath is the URL pages show an uploaded file at: node-relative (as
// federation.Engine.MediaURL makes the absolute one), or on the CDN of
// --media-public-url; "" for none.
func (p *Public) mediaPath(rel string) string {
	if rel == "" {
		return ""
	}
	return p.uploads + strings.TrimPrefix(path.Clean("/"+rel), "/")
}

// authorView is who wrote a post, as a byline.
type authorView struct {
	Name    string // display name, plain text
	Handle  string // @user@host
	URL     string // their profile page (the group page for the group's own posts)
	IconURL string
	Group   bool // the group itself
}

// postView is one post on a page.
type postView struct {
	ID        string
	Anchor    string // p-ID
	Title     string // Lemmy posts, articles
	CW        string // content warning
	Sensitive bool
	Content   string // sanitised HTML
	Author    authorView
	Published time.Time
	Edited    bool
	Likes     int
	Replies   int
	Pinned    bool
	Original  string // the post on the author's server; "" for the group's own
	Thread    string // the thread page, relative to the node
	Depth     int    // indentation in a thread (0: root)
	Focus     bool   // the post the visitor asked for
	Listing   bool   // shown in a list of threads: link to the thread with its reply count
	HideTitle bool   // the page's heading already shows the title
	Report    string // the report form for this post; "" for the group's own posts
	Images    []imageView
	Poll      *pollView // a poll the group published; nil for other posts
}

// imageView is an image attached to a post, shown from the node: the
// group's uploads as they are, other servers' images through the media
// cache.
type imageView struct {
	Src           string // node-relative
	Alt           string
	Width, Height int // from the attachment, when it says; 0 otherwise
}

// images lists the attachments of a post that can be shown from the node.
func (p *Public) images(post *storage.Post) []imageView {
	var out []imageView
	for _, a := range media.Images(post.ObjectRaw) {
		src := p.imageURL(a.URL)
		if src == "" {
			continue
		}
		out = append(out, imageView{Src: src, Alt: a.Name, Width: a.Width, Height: a.Height})
	}
	return out
}

// imageURL is the node-relative URL of an image: the node's own uploads
// under /media/, other servers' images through the media cache, and ""
// (a placeholder) when the node cannot show it — never a remote URL, so
// that no page makes a browser ask another server for anything.
func (p *Public) imageURL(u string) string {
	if rel, ok := strings.CutPrefix(u, p.iri.Media("")); ok && rel != "" && !strings.ContainsAny(rel, "?#") && !strings.HasPrefix(rel, "remote/") {
		return p.mediaPath(rel)
	}
	if p.media != nil {
		return p.media.URL(u)
	}
	return ""
}

func (p *Public) postView(g *groupView, post *storage.Post) postView {
	v := postView{
		ID: post.ID, Anchor: "p-" + post.ID, Title: post.Name, CW: post.Summary, Sensitive: post.Sensitive,
		Content: post.ContentHTML, Published: post.PublishedAt, Edited: !post.UpdatedAt.IsZero(),
		Likes: post.Likes, Pinned: post.Pinned,
		Thread: g.Path + "/threads/" + post.RootID,
		Images: p.images(post),
	}
	if post.ID != post.RootID {
		v.Thread += "#" + v.Anchor
	}
	switch a := post.Author; {
	case post.AuthorID == "" || a == nil || post.Anonymous:
		// The group's own posts, and posts it published for a member who
		// asked not to be named: the group is the author.
		v.Author = authorView{Name: g.Title, Handle: g.Handle, URL: g.Path, IconURL: g.IconURL, Group: true}
	default:
		name := strings.TrimSpace(a.Name)
		if name == "" {
			name = a.Username
		}
		v.Author = authorView{
			Name: name, Handle: "@" + a.Username + "@" + a.Host,
			URL: firstWebURL(a.URL, a.IRI), IconURL: p.imageURL(a.IconURL),
		}
		v.Original = firstWebURL(post.URL, post.IRI)
		// Only members' posts can be reported: the group's own are the
		// moderators' to change.
		v.Report = g.Path + "/report/" + post.ID
	}
	return v
}

// firstWebURL returns the first absolute http(s) URL of urls, or "". URLs
// from other servers are checked here so that a bad one becomes no link or
// a placeholder avatar; html/template would neutralise it anyway, but as a
// broken "#ZgotmplZ" link.
func firstWebURL(urls ...string) string {
	for _, s := range urls {
		u, err := url.Parse(s)
		if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil {
			return s
		}
	}
	return ""
}

// plainTitle is a one-line title for a post: its name, or an excerpt.
func plainTitle(post *storage.Post, n int) string {
	if post.Name != "" { // plain text: escape it so that Excerpt reads it as text
		return content.Excerpt(html.EscapeString(post.Name), n)
	}
	if post.Summary != "" {
		return content.Excerpt(html.EscapeString(post.Summary), n)
	}
	return content.Excerpt(post.ContentHTML, n)
}
