package members

import (
	"strings"
	"testing"

	"github.com/kith-social/kith/storage"
)

// TestHowItWorks: each setting shows as the sentence that explains it,
// and a setting that is off says nothing that would mislead.
func TestHowItWorks(t *testing.T) {
	base := func() *storage.Group {
		return &storage.Group{Name: "g", Title: "G", PostingPolicy: storage.PostingMembers}
	}
	cases := []struct {
		name   string
		group  func(*storage.Group)
		bs     func(*storage.BelongingSettings)
		want   []string
		unwant []string
	}{
		{"open defaults", nil, nil,
			[]string{"The group is open", "unfollow @g@kith.example", "mentioning @g@kith.example", "boosts members' posts", "“directory on”"},
			[]string{"closed", "wait for a moderator's approval", "digest", "welcome"}},
		{"closed with questions", func(g *storage.Group) { g.Closed = true; g.JoinQuestions = "Why?" }, nil,
			[]string{"The group is closed", "the group's questions", "only members and moderators see it"}, []string{"anyone can see it"}},
		{"review everything", func(g *storage.Group) { g.ReviewQueue = true }, nil,
			[]string{"Every post waits for a moderator's approval"}, nil},
		{"account age", func(g *storage.Group) { g.MinAccountAgeDays = 7 }, nil,
			[]string{"younger than 7 days", "New members start as newcomers.", "You become a member with 1 approved post, and no upheld report",
				"You become a regular with 10 approved posts, 10 likes from other members and 30 days in the group"}, nil},
		{"reviewed newcomers", nil, nil,
			[]string{"newcomers, whose posts wait for a moderator's approval", "The moderators make regulars by hand."}, nil},
		{"moderators only", func(g *storage.Group) { g.PostingPolicy = storage.PostingModerators }, nil,
			[]string{"Only the moderators start threads"}, []string{"Members post to the group"}},
		{"keywords, mentions, feedback", func(g *storage.Group) {
			g.ReviewKeywords = "crypto"
			g.MaxGroupMentions = 2
			g.FeedbackDMs = true
		}, nil, []string{"certain words", "more than 2 groups", "tells you by direct message"}, []string{"crypto"}},
		{"weekly digest, public directory, welcome, no boosts", nil, func(bs *storage.BelongingSettings) {
			bs.Digest = storage.DigestWeekly
			bs.DirectoryPublic = true
			bs.WelcomeTemplate = "Hi {name}"
			bs.PlainBoosts = false
		}, []string{"weekly digest", "anyone can see it", "welcome message", "does not boost"}, []string{"daily"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := base()
			if c.group != nil {
				c.group(g)
			}
			bs := storage.DefaultBelongingSettings(g.ID)
			if c.bs != nil {
				c.bs(bs)
			}
			var b strings.Builder
			ts := storage.DefaultTrustSettings(g.ID)
			if c.name == "reviewed newcomers" {
				ts.ReviewNewcomers, ts.RegularAuto = true, false
			}
			for _, s := range howItWorks(g, bs, ts, "kith.example") {
				b.WriteString(s.Heading + "\n" + strings.Join(s.Lines, "\n") + "\n")
			}
			text := b.String()
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, w := range c.unwant {
				if strings.Contains(text, w) {
					t.Errorf("says %q:\n%s", w, text)
				}
			}
		})
	}
}
