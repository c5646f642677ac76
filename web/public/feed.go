package public

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kith-social/kith/federation/content"
	"github.com/kith-social/kith/storage"
)

// feedSize is how many thread starters a feed carries.
const feedSize = 20

// feedItem is one entry, shared by both formats.
type feedItem struct {
	ID        string // the post's IRI: stable across edits
	Title     string
	Link      string
	Author    string
	AuthorURL string
	HTML      string // sanitised HTML; for posts behind a content warning, only the warning
	Published time.Time
	Updated   time.Time
}

type feedData struct {
	Group   *groupView
	Self    string
	Updated time.Time
	Items   []feedItem
}

// loadFeed reads the newest public thread starters of the group in {name}.
func (p *Public) loadFeed(ctx context.Context, name, self string) (*feedData, error) {
	g, err := storage.GroupByName(ctx, p.db, name)
	if err != nil {
		return nil, err
	}
	gv, err := p.groupView(ctx, p.db, g)
	if err != nil {
		return nil, err
	}
	posts, err := storage.ListPosts(ctx, p.db, storage.PostFilter{
		GroupID: g.ID, State: storage.PostPublished, Visibilities: feedVisibilities,
		RootsOnly: true, Limit: feedSize,
	})
	if err != nil {
		return nil, fmt.Errorf("feed of %s: %w", name, err)
	}
	d := &feedData{Group: gv, Self: gv.URL + self, Updated: g.UpdatedAt}
	for i := range posts {
		post := &posts[i]
		if !visible(post) || post.Visibility != storage.VisibilityPublic {
			continue
		}
		v := p.postView(gv, post)
		it := feedItem{
			ID: firstWebURL(post.IRI, p.base+v.Thread), Title: plainTitle(post, 80), Link: p.base + v.Thread,
			Author: v.Author.Name + " (" + v.Author.Handle + ")", AuthorURL: v.Author.URL,
			HTML: post.ContentHTML + p.feedImages(v.Images), Published: post.PublishedAt, Updated: post.PublishedAt,
		}
		if v.Author.Group {
			it.AuthorURL = gv.URL
		}
		if post.Summary != "" || post.Sensitive {
			// A content warning is the author's wish that readers choose to
			// look: feed readers cannot fold text away, so they get the
			// warning and the link.
			it.HTML = content.EscapeText("Content warning: " + cwText(post))
		}
		if !post.UpdatedAt.IsZero() {
			it.Updated = post.UpdatedAt
		}
		if it.Updated.After(d.Updated) {
			d.Updated = it.Updated
		}
		d.Items = append(d.Items, it)
	}
	return d, nil
}

// feedImages writes a post's images for a feed reader, from the node's
// absolute URLs (the media cache for other servers' images).
func (p *Public) feedImages(imgs []imageView) string {
	var b strings.Builder
	for _, im := range imgs {
		b.WriteString(`<p><img src="` + html.EscapeString(p.base+im.Src) + `" alt="` + html.EscapeString(im.Alt) + `"`)
		if im.Width > 0 && im.Height > 0 {
			fmt.Fprintf(&b, ` width="%d" height="%d"`, im.Width, im.Height)
		}
		b.WriteString(`></p>`)
	}
	return b.String()
}

func cwText(post *storage.Post) string {
	if post.Summary != "" {
		return post.Summary
	}
	return "sensitive content"
}

// RSS 2.0.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	AtomLink      atomLink  `xml:"http://www.w3.org/2005/Atom link"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Creator     string  `xml:"http://purl.org/dc/elements/1.1/ creator,omitempty"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func (p *Public) feedRSS(w http.ResponseWriter, r *http.Request) error {
	d, err := p.loadFeed(r.Context(), chi.URLParam(r, "name"), "/feed.rss")
	if err != nil {
		return err
	}
	ch := rssChannel{
		Title: d.Group.Title + " (" + d.Group.Handle + ")", Link: d.Group.URL,
		Description:   d.Group.Excerpt,
		AtomLink:      atomLink{Rel: "self", Type: "application/rss+xml", Href: d.Self},
		LastBuildDate: d.Updated.UTC().Format(time.RFC1123Z), Generator: "Kith",
	}
	for _, it := range d.Items {
		ch.Items = append(ch.Items, rssItem{
			Title: it.Title, Link: it.Link, GUID: rssGUID{Value: it.ID},
			PubDate: it.Published.UTC().Format(time.RFC1123Z), Creator: it.Author, Description: it.HTML,
		})
	}
	return p.writeXML(w, "application/rss+xml; charset=utf-8", rssDoc{Version: "2.0", Channel: ch})
}

// Atom (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomAuthor  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      atomLink   `xml:"link"`
	Author    atomAuthor `xml:"author"`
	Content   atomText   `xml:"content"`
}

func (p *Public) feedAtom(w http.ResponseWriter, r *http.Request) error {
	d, err := p.loadFeed(r.Context(), chi.URLParam(r, "name"), "/feed.atom")
	if err != nil {
		return err
	}
	f := atomFeed{
		ID: d.Group.URL, Title: d.Group.Title + " (" + d.Group.Handle + ")", Subtitle: d.Group.Excerpt,
		Updated: d.Updated.UTC().Format(time.RFC3339),
		Links: []atomLink{
			{Rel: "alternate", Type: "text/html", Href: d.Group.URL},
			{Rel: "self", Type: "application/atom+xml", Href: d.Self},
		},
		Author:    atomAuthor{Name: d.Group.Title, URI: d.Group.URL},
		Generator: "Kith",
	}
	for _, it := range d.Items {
		f.Entries = append(f.Entries, atomEntry{
			ID: it.ID, Title: atomText{Type: "text", Value: it.Title},
			Updated: it.Updated.UTC().Format(time.RFC3339), Published: it.Published.UTC().Format(time.RFC3339),
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: it.Link},
			Author:  atomAuthor{Name: it.Author, URI: it.AuthorURL},
			Content: atomText{Type: "html", Value: it.HTML},
		})
	}
	return p.writeXML(w, "application/atom+xml; charset=utf-8", f)
}

// writeXML encodes a feed into a buffer first, so that an error is a clean 500.
func (p *Public) writeXML(w http.ResponseWriter, contentType string, v any) error {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode feed: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
	return nil
}
