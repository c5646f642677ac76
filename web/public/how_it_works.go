package public

import (
	"fmt"
	"strings"

	"github.com/kith-social/kith/storage"
)

// howItWorks explains a group to a visitor from its settings: how to join,
// who may post, what is reviewed first, and what members can send the
// group by direct message. Each item is one plain-text sentence or two.
func howItWorks(g *storage.Group, handle string, bs *storage.BelongingSettings, ts *storage.TrustSettings) []string {
	var out []string
	if g.Closed {
		join := "Follow " + handle + " to ask to join: a moderator approves each request."
		if strings.TrimSpace(g.JoinQuestions) != "" {
			join += " The group sends you a few questions by direct message; your answer goes with your request."
		}
		out = append(out, join)
	} else {
		out = append(out, "Follow "+handle+" to join: you are in at once.")
	}
	switch g.PostingPolicy {
	case storage.PostingAnyone:
		out = append(out, "Anyone can post to the group by mentioning "+handle+" in a public post, member or not; the group shares it with every member.")
	case storage.PostingModerators:
		out = append(out, "Only the moderators start threads; members reply in them, and replies reach the group.")
	default:
		out = append(out, "Members post to everyone by mentioning "+handle+" in a public post; replies in a thread reach the group too.")
	}
	out = append(out, "A followers-only post that mentions the group goes to the members only, never to this page.")
	out = append(out, reviewRules(g, ts)...)
	if g.FeedbackDMs {
		out = append(out, "When a moderator holds, approves, rejects or removes your post, the group tells you by direct message.")
	}
	out = append(out,
		"Send the group a direct message starting with “anon:” to post without your name; a moderator reviews it first.",
		"To report a post, reply to it with a direct message to the group starting with “report:” and the reason, or use the Report link on the post here.",
	)
	if !g.Closed && bs.DirectoryPublic {
		out = append(out, "Send the group “directory on” by direct message to be listed on its members page (“directory off” to leave it).")
	} else {
		out = append(out, "Send the group “directory on” by direct message to be listed in its member directory, which only the moderators see.")
	}
	out = append(out, "Any other direct message to the group reaches the moderators, who answer as the group.")
	if g.PublicModlog && !g.Closed {
		out = append(out, "The moderators' decisions are listed in the public moderation log.")
	}
	return out
}

// reviewRules says which posts a moderator sees before the members do,
// without naming the review keywords.
func reviewRules(g *storage.Group, ts *storage.TrustSettings) []string {
	if g.ReviewQueue {
		return []string{"A moderator reviews every post before the group shares it."}
	}
	var rules []string
	if ts.ReviewNewcomers {
		rules = append(rules, "newcomers' posts (until they earn the member level)")
	}
	if g.MinAccountAgeDays > 0 {
		rules = append(rules, fmt.Sprintf("posts from accounts younger than %d %s", g.MinAccountAgeDays, plural(g.MinAccountAgeDays, "day", "days")))
	}
	if strings.TrimSpace(g.ReviewKeywords) != "" {
		rules = append(rules, "posts with certain words")
	}
	if len(rules) == 0 {
		return []string{"Posts are shared with every member at once."}
	}
	return []string{"Posts are shared at once, except " + joinAnd(rules) + ", which a moderator reviews first."}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// joinAnd writes a list the way a sentence does: "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
