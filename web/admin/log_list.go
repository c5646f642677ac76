package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
)

// logPage is a group's moderation log.
type logPage struct {
	Nav     groupNav
	Entries []storage.LogEntry
}

// logList shows who did what to the group, when and why, newest first.
func (a *Admin) logList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "log")
	if err != nil {
		return err
	}
	entries, err := storage.ListLog(ctx, a.db, g.ID, maxListed)
	if err != nil {
		return err
	}
	return a.render(w, r, http.StatusOK, "log", &page{Title: "Moderation log of " + g.Title, Nav: "groups", Data: logPage{Nav: nav, Entries: entries}})
}

// actionText says in words what a log entry's action was.
func actionText(action string) string {
	if s, ok := map[string]string{
		"publish_post": "published a post", "edit_post": "edited a post", "delete_post": "deleted a post",
		"pin": "pinned a post", "unpin": "unpinned a post", "edit_group": "changed the profile or settings",
		"approve_post": "approved a post", "reject_post": "rejected a post", "remove_post": "removed a post",
		"ban": "banned", "unban": "lifted the ban on", "approve_follow": "approved the request of",
		"reject_follow": "rejected the request of", "forward_report": "forwarded a report about",
		"resolve_report": "resolved a report about", "block_domain": "blocked the domain",
		"unblock_domain":    "lifted the block on",
		"approve_anonymous": "published an anonymous post", "reject_anonymous": "rejected the anonymous post",
		"forget_anonymous": "forgot who sent the anonymous post", "reply_as_group": "replied as the group",
		"like_post": "liked as the group", "boost_post": "boosted as the group", "publish_poll": "published a poll",
		"schedule_post": "scheduled a post", "schedule_poll": "scheduled a poll", "cancel_scheduled": "cancelled the scheduled post",
		"trust_trusted": "trusts the server", "trust_normal": "set normal trust for", "trust_review": "sends to review every post from",
		"republish_members_only": "shared with the members only",
	}[action]; ok {
		return s
	}
	return action
}
