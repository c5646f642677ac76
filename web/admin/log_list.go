package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kith-social/kith/storage"
)

// logPage is a group's moderation log, filtered.
type logPage struct {
	Nav     groupNav
	Entries []logRow
	Facets  storage.LogFacets
	Filter  storage.LogFilter
	About   string // the person or thing the log is filtered to, in words
}

// logRow is a log entry with its subject as a person sees it: a member
// (name, handle, avatar, link to their profile), a post (link to its
// thread), or plain text (a domain).
type logRow struct {
	storage.LogEntry
	Actor  *storage.RemoteActor
	PostID string // the post's thread page
}

// logList shows who did what to the group, when and why, newest first;
// ?staff=, ?action=, ?target= and ?q= (text) filter it.
func (a *Admin) logList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g := currentGroup(ctx)
	nav, err := a.nav(ctx, "log")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filter := storage.LogFilter{GroupID: g.ID, StaffName: q.Get("staff"), Action: q.Get("action"), Target: q.Get("target"), Query: strings.TrimSpace(q.Get("q")), Limit: maxListed}
	entries, err := storage.FilterLog(ctx, a.db, filter)
	if err != nil {
		return err
	}
	facets, err := storage.LogFacetsOf(ctx, a.db, g.ID)
	if err != nil {
		return err
	}
	data := logPage{Nav: nav, Facets: facets, Filter: filter}
	for _, e := range entries {
		row, err := a.logRowOf(ctx, g.ID, e)
		if err != nil {
			return err
		}
		data.Entries = append(data.Entries, row)
	}
	if filter.Target != "" {
		data.About = filter.Target
		if len(data.Entries) > 0 && data.Entries[0].Actor != nil {
			data.About = actorHandle(data.Entries[0].Actor)
		}
	}
	return a.render(w, r, http.StatusOK, "log", &page{Title: "Moderation log of " + g.Title, Nav: "groups", Data: data})
}

// logRowOf finds what a log entry's target names: a person, a post, or
// neither (a domain, a report's subject the node never saw).
func (a *Admin) logRowOf(ctx context.Context, groupID string, e storage.LogEntry) (logRow, error) {
	row := logRow{LogEntry: e}
	if !strings.HasPrefix(e.Target, "http") {
		return row, nil
	}
	actor, err := storage.RemoteActorByIRI(ctx, a.db, e.Target)
	if err == nil {
		row.Actor = actor
		return row, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return logRow{}, err
	}
	p, err := storage.PostByIRI(ctx, a.db, groupID, e.Target)
	switch {
	case err == nil:
		row.PostID = p.RootID
	case !errors.Is(err, storage.ErrNotFound):
		return logRow{}, err
	}
	return row, nil
}

// actionText says in words what a log entry's action was.
func actionText(action string) string {
	if s, ok := map[string]string{
		"publish_post": "published a post", "edit_post": "edited a post", "delete_post": "deleted a post",
		"pin": "pinned a post", "unpin": "unpinned a post", "edit_group": "changed the profile or settings",
		"approve_post": "approved a post", "reject_post": "rejected a post", "remove_post": "removed a post",
		"ban": "banned", "unban": "lifted the ban on", "approve_follow": "approved the request of",
		"reject_follow": "rejected the request of", "forward_report": "forwarded a report about",
		"resolve_report": "resolved a report about", "dismiss_report": "dismissed a report about", "block_domain": "blocked the domain",
		"unblock_domain":    "lifted the block on",
		"approve_anonymous": "published an anonymous post", "reject_anonymous": "rejected the anonymous post",
		"forget_anonymous": "forgot who sent the anonymous post", "reply_as_group": "replied as the group",
		"like_post": "liked as the group", "boost_post": "boosted as the group", "publish_poll": "published a poll",
		"schedule_post": "scheduled a post", "schedule_poll": "scheduled a poll", "cancel_scheduled": "cancelled the scheduled post",
		"trust_trusted": "trusts the server", "trust_normal": "set normal trust for", "trust_review": "sends to review every post from",
		"republish_members_only": "shared with the members only",
		"review_flag":            "flagged for review the posts of", "review_flag_cleared": "cleared the review flag of",
	}[action]; ok {
		return s
	}
	return action
}
