package public_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// TestHiddenPostsNeverShown stores, beside public threads, posts that are
// members-only, direct, pending, rejected or removed — as thread starters,
// as replies in public threads, and pinned — and checks that no page and no
// feed shows any of them, links to them or counts them.
func TestHiddenPostsNeverShown(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", func(g *storage.Group) { g.Closed = true }) // closed groups show public posts
		alice, bob := f.actor("alice", "mastodon.test", nil), f.actor("bob", "misskey.test", nil)

		root := f.post(g, alice, nil, "<p>public root</p>", nil)
		f.post(g, bob, root, "<p>public reply</p>", nil)
		unlisted := f.post(g, bob, nil, "<p>unlisted root</p>", func(p *storage.Post) { p.Visibility = storage.VisibilityUnlisted })

		type hidden struct {
			name       string
			visibility string
			state      string
		}
		cases := []hidden{
			{"followers", storage.VisibilityFollowers, storage.PostPublished},
			{"direct", storage.VisibilityDirect, storage.PostPublished},
			{"pending", storage.VisibilityPublic, storage.PostPending},
			{"rejected", storage.VisibilityPublic, storage.PostRejected},
			{"removed", storage.VisibilityPublic, storage.PostRemoved},
		}
		var secrets, hiddenIDs []string
		var hiddenRoots []*storage.Post
		for _, c := range cases {
			mark := func(where string) string {
				s := fmt.Sprintf("SECRET-%s-%s", c.name, where)
				secrets = append(secrets, s)
				return s
			}
			set := func(p *storage.Post) { p.Visibility, p.State = c.visibility, c.state }
			// A hidden thread starter, pinned, with a public reply under it.
			hr := f.post(g, alice, nil, "<p>"+mark("root")+"</p>", func(p *storage.Post) {
				set(p)
				p.Pinned = true
				p.Name = mark("title")
				p.Summary = mark("cw")
			})
			pubReply := f.post(g, bob, hr, "<p>"+mark("reply-in-hidden-thread")+"</p>", nil)
			// A hidden reply in the public thread, and a public reply to it.
			hreply := f.post(g, bob, root, "<p>"+mark("reply")+"</p>", set)
			f.post(g, alice, hreply, "<p>public answer to a hidden reply</p>", nil)
			// The group's own members-only post.
			own := f.post(g, nil, nil, "<p>"+mark("own")+"</p>", set)
			hiddenRoots = append(hiddenRoots, hr, own)
			hiddenIDs = append(hiddenIDs, hr.ID, hreply.ID, pubReply.ID, own.ID)
		}

		s := newSite(t, db, nil)
		pages := map[string]response{}
		for _, path := range []string{
			"/",
			"/groups/gardeners",
			"/groups/gardeners/follow",
			"/groups/gardeners/threads/" + root.ID,
			"/groups/gardeners/threads/" + unlisted.ID,
			"/groups/gardeners/feed.rss",
			"/groups/gardeners/feed.atom",
		} {
			res := s.get(path)
			if res.Status != http.StatusOK {
				t.Fatalf("GET %s = %d", path, res.Status)
			}
			pages[path] = res
		}
		for path, res := range pages {
			mustNotContain(t, path, res.Body, secrets...)
			mustNotContain(t, path, res.Body, hiddenIDs...)
		}
		mustContain(t, "group page", pages["/groups/gardeners"].Body, "public root", "unlisted root", "6 replies") // one reply and five answers to hidden replies
		mustNotContain(t, "group page", pages["/groups/gardeners"].Body, `id="pinned-h"`)
		thread := pages["/groups/gardeners/threads/"+root.ID].Body
		mustContain(t, "thread", thread, "public reply", "public answer to a hidden reply", "6 replies")
		// Unlisted posts are on the pages but not in the feeds.
		for _, feed := range []string{"/groups/gardeners/feed.rss", "/groups/gardeners/feed.atom"} {
			mustContain(t, feed, pages[feed].Body, "public root")
			mustNotContain(t, feed, pages[feed].Body, "unlisted root")
		}

		// Their own addresses answer 404, for browsers as for servers.
		for _, p := range hiddenRoots {
			for _, path := range []string{"/groups/gardeners/threads/" + p.ID, "/groups/gardeners/posts/" + p.ID} {
				if res := s.get(path); res.Status != http.StatusNotFound {
					t.Errorf("GET %s (hidden) = %d, want 404", path, res.Status)
				} else if strings.Contains(res.Body, "SECRET") {
					t.Errorf("GET %s: 404 page shows the post", path)
				}
			}
		}
		for _, id := range hiddenIDs {
			if res := s.get("/groups/gardeners/threads/" + id); res.Status != http.StatusNotFound {
				t.Errorf("thread of hidden post %s = %d, want 404", id, res.Status)
			}
		}
	})
}
