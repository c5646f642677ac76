package members

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kith-social/kith/federation/community"
	"github.com/kith-social/kith/storage"
)

// howSection is one part of "How this group works": a heading and
// sentences, each generated from a setting.
type howSection struct {
	Heading string
	Lines   []string
}

// howItWorks explains a group's settings to its members, in their words.
// It is generated, so it is never out of date with the settings.
func howItWorks(g *storage.Group, bs *storage.BelongingSettings, ts *storage.TrustSettings, domain string) []howSection {
	handle := "@" + g.Name + "@" + domain
	var joining []string
	if g.Closed {
		joining = append(joining, "The group is closed: a moderator approves each request to join.")
		if strings.TrimSpace(g.JoinQuestions) != "" {
			joining = append(joining, "People who ask to join get the group's questions by direct message; their answer goes with their request.")
		}
	} else {
		joining = append(joining, "The group is open: anyone who follows it is a member at once.")
	}
	joining = append(joining, "To leave, unfollow "+handle+" from your account.")

	var posting []string
	switch g.PostingPolicy {
	case storage.PostingAnyone:
		posting = append(posting, "Anyone can post to the group by mentioning "+handle+" in a public post.")
	case storage.PostingModerators:
		posting = append(posting, "Only the moderators start threads; members reply in them.")
	default:
		posting = append(posting, "Members post to the group by mentioning "+handle+" in a public post; replies stay in the thread.")
	}
	if g.ReviewQueue {
		posting = append(posting, "Every post waits for a moderator's approval before the group shares it.")
	}
	posting = append(posting, community.DescribeLevels(ts)...) // trust levels
	if g.MinAccountAgeDays > 0 {
		posting = append(posting, fmt.Sprintf("Posts from accounts younger than %d %s wait for a moderator's approval.", g.MinAccountAgeDays, plural(g.MinAccountAgeDays, "day", "days")))
	}
	if strings.TrimSpace(g.ReviewKeywords) != "" {
		posting = append(posting, "Posts with certain words wait for a moderator's approval.")
	}
	if g.MaxGroupMentions > 0 {
		posting = append(posting, fmt.Sprintf("Posts that mention more than %d %s are refused.", g.MaxGroupMentions, plural(g.MaxGroupMentions, "group", "groups")))
	}
	if g.FeedbackDMs {
		posting = append(posting, "When your post is held, approved, rejected or removed, the group tells you by direct message.")
	}
	if bs.PlainBoosts {
		posting = append(posting, "The group boosts members' posts, so they show in everyone's home timeline.")
	} else {
		posting = append(posting, "The group does not boost members' posts; Mastodon users follow along through the group's own posts.")
	}
	if g.BoostReplies {
		posting = append(posting, "Replies are boosted too.")
	}

	private := []string{
		"A followers-only post that mentions the group is shared with the members only: the group posts it again to its members, crediting you. Members read these on the members' pages too.",
		"The moderators can also post to the regulars and leaders only: those posts reach them alone, and only their replies are shared in those threads, with them alone.",
		"Anonymous posts: send the group a direct message starting with “anon:” (or “anon members:” for members only). A moderator reviews it; the group publishes it without your name, and the moderators can forget who sent it.",
		"Direct messages to the group that are not commands reach the moderators (modmail).",
	}

	var belonging []string
	switch bs.Digest {
	case storage.DigestDaily:
		belonging = append(belonging, "The group posts a daily digest of its top threads; you can also get it by direct message.")
	case storage.DigestWeekly:
		belonging = append(belonging, "The group posts a weekly digest of its top threads; you can also get it by direct message.")
	}
	switch {
	case g.Closed:
		belonging = append(belonging, "The member directory lists those who choose to be in it; only members and moderators see it.")
	case bs.DirectoryPublic:
		belonging = append(belonging, "The member directory lists those who choose to be in it, and anyone can see it.")
	default:
		belonging = append(belonging, "The member directory lists those who choose to be in it; only members and moderators see it.")
	}
	if strings.TrimSpace(bs.WelcomeTemplate) != "" {
		belonging = append(belonging, "New members get a welcome message from the group.")
	}
	if g.PublicModlog && !g.Closed {
		belonging = append(belonging, "The moderation log is public.")
	}

	commands := []string{
		"“directory on” / “directory off” — list yourself in the member directory, or not.",
		"“intro”, in reply to one of your posts — make it your intro.",
		"“anon: …” — an anonymous post (see above).",
		"“report: the reason”, in reply to a post — report it to the moderators.",
		"“going” / “not going”, in reply to an event — come, or cancel.",
	}
	return []howSection{
		{"Joining and leaving", joining},
		{"Posting", posting},
		{"Members only, anonymous posts and the moderators", private},
		{"Belonging", belonging},
		{"Doing it from your own account: direct messages to the group", commands},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type howData struct {
	Group    *storage.Group
	Sections []howSection
}

// how is "How this group works".
func (m *Members) how(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur := currentMember(ctx)
	bs, err := storage.BelongingSettingsOf(ctx, m.db, cur.Group.ID)
	if err != nil {
		return err
	}
	ts, err := storage.TrustSettingsOf(ctx, m.db, cur.Group.ID)
	if err != nil {
		return err
	}
	return m.render(w, http.StatusOK, "how", cur.Group.Title, &howData{
		Group: cur.Group, Sections: howItWorks(cur.Group, bs, ts, m.domain),
	})
}
