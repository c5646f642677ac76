package public_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

func TestFeeds(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", func(g *storage.Group) { g.Title = "Allotment gardeners" })
		alice := f.actor("alice", "mastodon.test", func(a *storage.RemoteActor) { a.Name = "Alice Green" })
		first := f.post(g, alice, nil, "<p>Tomatoes &amp; <em>basil</em></p>", nil)
		f.post(g, alice, first, "<p>a reply, not in feeds</p>", nil)
		f.post(g, alice, nil, "<p>hidden behind the warning</p>", func(p *storage.Post) { p.Summary = "slugs" })
		own := f.post(g, nil, nil, "<p>Welcome</p>", func(p *storage.Post) { p.Name = "Hello from the group" })
		s := newSite(t, db, nil)

		t.Run("rss", func(t *testing.T) {
			res := s.get("/groups/gardeners/feed.rss")
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/rss+xml; charset=utf-8" {
				t.Fatalf("RSS = %d %q", res.Status, res.Header.Get("Content-Type"))
			}
			var doc struct {
				Version string `xml:"version,attr"`
				Channel struct {
					Title string `xml:"title"`
					Links []struct {
						XMLName xml.Name
						Href    string `xml:"href,attr"`
						Value   string `xml:",chardata"`
					} `xml:"link"`
					Items []struct {
						Title       string `xml:"title"`
						Link        string `xml:"link"`
						GUID        string `xml:"guid"`
						Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
						Description string `xml:"description"`
						PubDate     string `xml:"pubDate"`
					} `xml:"item"`
				} `xml:"channel"`
			}
			if err := xml.Unmarshal([]byte(res.Body), &doc); err != nil {
				t.Fatalf("RSS does not parse: %v\n%s", err, res.Body)
			}
			links := doc.Channel.Links
			if doc.Version != "2.0" || doc.Channel.Title != "Allotment gardeners (@gardeners@kith.test)" || len(links) != 2 ||
				links[0].Value != "https://kith.test/groups/gardeners" ||
				links[1].XMLName.Space != "http://www.w3.org/2005/Atom" || links[1].Href != "https://kith.test/groups/gardeners/feed.rss" {
				t.Errorf("channel: %+v", doc.Channel)
			}
			if len(doc.Channel.Items) != 3 {
				t.Fatalf("%d items, want 3 thread starters", len(doc.Channel.Items))
			}
			items := doc.Channel.Items
			if items[0].Title != "Hello from the group" || items[0].GUID != own.IRI || items[0].Link != "https://kith.test/groups/gardeners/threads/"+own.ID {
				t.Errorf("newest item: %+v", items[0])
			}
			if items[1].Description != "<p>Content warning: slugs</p>" || items[1].Title != "slugs" {
				t.Errorf("CW item: %+v", items[1])
			}
			if items[2].Description != first.ContentHTML || items[2].Creator != "Alice Green (@alice@mastodon.test)" || items[2].PubDate == "" {
				t.Errorf("oldest item: %+v", items[2])
			}
			mustNotContain(t, "RSS", res.Body, "a reply, not in feeds", "hidden behind the warning")
		})

		t.Run("atom", func(t *testing.T) {
			res := s.get("/groups/gardeners/feed.atom")
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
				t.Fatalf("Atom = %d %q", res.Status, res.Header.Get("Content-Type"))
			}
			var feed struct {
				XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
				ID      string   `xml:"id"`
				Updated string   `xml:"updated"`
				Links   []struct {
					Rel  string `xml:"rel,attr"`
					Href string `xml:"href,attr"`
				} `xml:"link"`
				Entries []struct {
					ID      string `xml:"id"`
					Title   string `xml:"title"`
					Content struct {
						Type  string `xml:"type,attr"`
						Value string `xml:",chardata"`
					} `xml:"content"`
					Author struct {
						Name string `xml:"name"`
						URI  string `xml:"uri"`
					} `xml:"author"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(res.Body), &feed); err != nil {
				t.Fatalf("Atom does not parse: %v\n%s", err, res.Body)
			}
			if feed.ID != "https://kith.test/groups/gardeners" || feed.Updated == "" || len(feed.Links) != 2 ||
				feed.Links[1].Rel != "self" || feed.Links[1].Href != "https://kith.test/groups/gardeners/feed.atom" {
				t.Errorf("feed head: %+v", feed)
			}
			if len(feed.Entries) != 3 {
				t.Fatalf("%d entries, want 3", len(feed.Entries))
			}
			e := feed.Entries[2]
			if e.ID != first.IRI || e.Content.Type != "html" || e.Content.Value != first.ContentHTML ||
				e.Author.Name != "Alice Green (@alice@mastodon.test)" || e.Author.URI != "https://mastodon.test/@alice" {
				t.Errorf("entry: %+v", e)
			}
			if feed.Entries[0].Author.URI != "https://kith.test/groups/gardeners" {
				t.Errorf("group's own entry author: %+v", feed.Entries[0].Author)
			}
		})
	})
}
