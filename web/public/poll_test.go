package public_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// A poll's page shows its options always, and its counts once voting has
// ended — or while it runs, when the poll was published with live counts.
func TestPollPages(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		alice, bob, carol := f.actor("alice", "mastodon.test", nil), f.actor("bob", "misskey.test", nil), f.actor("carol", "lemmy.test", nil)
		poll := func(question string, live bool) (*storage.Post, *storage.Poll) {
			t.Helper()
			post := f.post(g, nil, nil, "<p>"+question+"</p>", func(p *storage.Post) { p.Kind = "Question" })
			pl := &storage.Poll{PostID: post.ID, GroupID: g.ID, LiveCounts: live, ClosesAt: time.Now().Add(48 * time.Hour).UTC()}
			if err := storage.CreatePoll(ctx, db, time.Now(), pl, []string{"Tomatoes", "Beans", "Leeks"}); err != nil {
				t.Fatal(err)
			}
			for _, v := range []struct {
				who *storage.RemoteActor
				opt int
			}{{alice, 0}, {bob, 0}, {carol, 1}} {
				if _, err := storage.AddPollVote(ctx, db, time.Now(), pl, pl.Options[v.opt].ID, v.who.ID, v.who.IRI+"#vote-"+pl.ID); err != nil {
					t.Fatal(err)
				}
			}
			return post, pl
		}
		hidden, hiddenPoll := poll("What to sow?", false)
		live, _ := poll("What to harvest?", true)
		s := newSite(t, db, nil)

		threadOf := func(p *storage.Post) string {
			t.Helper()
			res := s.get("/groups/gardeners/threads/" + p.ID)
			if res.Status != http.StatusOK {
				t.Fatalf("thread %s = %d", p.ID, res.Status)
			}
			return res.Body
		}
		body := threadOf(hidden)
		mustContain(t, "open poll", body, `<span class="poll-name">Tomatoes</span>`, `<span class="poll-name">Beans</span>`,
			`<span class="poll-name">Leeks</span>`, "Voting ends", "the counts show here then")
		mustNotContain(t, "open poll", body, "2 votes", "<meter")

		body = threadOf(live)
		mustContain(t, "live poll", body, "2 votes (66%)", "1 vote (33%)", "0 votes (0%)", "3 people voted so far")

		if _, err := storage.ClosePoll(ctx, db, hiddenPoll.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		body = threadOf(hidden)
		mustContain(t, "closed poll", body, "2 votes (66%)", "1 vote (33%)", "Voting ended", "3 people voted.")

		// The group page lists polls with their options too.
		res := s.get("/groups/gardeners")
		mustContain(t, "group page", res.Body, "What to sow?", `<span class="poll-name">Leeks</span>`)
		if n := strings.Count(res.Body, `class="poll"`); n != 2 {
			t.Errorf("group page shows %d polls, want 2", n)
		}
	})
}

// Visitors can report members' posts, not the group's own.
func TestReportLinkOnlyOnMembersPosts(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		g := f.group("gardeners", nil)
		member := f.post(g, f.actor("alice", "mastodon.test", nil), nil, "<p>From a member</p>", nil)
		own := f.post(g, nil, nil, "<p>From the group</p>", nil)
		res := newSite(t, db, nil).get("/groups/gardeners")
		mustContain(t, "group page", res.Body, `href="/groups/gardeners/report/`+member.ID+`"`)
		mustNotContain(t, "group page", res.Body, `href="/groups/gardeners/report/`+own.ID+`"`)
	})
}
