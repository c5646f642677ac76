package public_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/storage/storagetest"
)

// The group page's "How this group works" is written from the group's
// settings, so it changes when they do.
func TestHowThisGroupWorks(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *bun.DB) {
		f := fixtures{t, db}
		for _, tc := range []struct {
			name      string
			mutate    func(*storage.Group)
			want, not []string
		}{
			{"open", func(g *storage.Group) { g.FeedbackDMs = true },
				[]string{"How this group works", "Follow @open@kith.test to join: you are in at once.",
					"Members post to everyone by mentioning @open@kith.test", "Posts are shared with every member at once.",
					"the group tells you by direct message", "“anon:”", "“report:”", "listed on its members page",
					"reaches the moderators"},
				[]string{"a moderator approves", "reviews every post"}},
			{"closed", func(g *storage.Group) {
				g.Closed, g.JoinQuestions, g.MinAccountAgeDays = true, "Which plot?", 1
				g.ReviewKeywords, g.PostingPolicy = "watches", storage.PostingModerators
			},
				[]string{"a moderator approves each request", "a few questions by direct message",
					"Only the moderators start threads",
					"Posts are shared at once, except newcomers&#39; posts (until they earn the member level), posts from accounts younger than 1 day and posts with certain words, which a moderator reviews first.",
					"which only the moderators see"},
				[]string{"watches", "the group tells you by direct message", "you are in at once"}},
			{"reviewed", func(g *storage.Group) { g.ReviewQueue, g.PostingPolicy = true, storage.PostingAnyone },
				[]string{"A moderator reviews every post before the group shares it.", "member or not"},
				[]string{"shared with every member at once"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				g := f.group(tc.name, tc.mutate)
				if tc.name == "closed" { // newcomers reviewed: a trust setting
					ts := storage.DefaultTrustSettings(g.ID)
					ts.ReviewNewcomers = true
					if err := storage.SaveTrustSettings(context.Background(), db, time.Now(), ts); err != nil {
						t.Fatal(err)
					}
				}
				res := newSite(t, db, nil).get("/groups/" + tc.name)
				mustContain(t, tc.name, res.Body, tc.want...)
				mustNotContain(t, tc.name, res.Body, tc.not...)
			})
		}
	})
}
