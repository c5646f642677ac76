package admin

import (
	"fmt"
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// notificationsPerPage is how many notifications a page lists.
const notificationsPerPage = 50

// notificationRow is a notification with its group and where to act on it.
type notificationRow struct {
	storage.Notification
	Group string   // the group's title
	Link  string   // the admin page about it
	IDs   []string // the notifications this row stands for: repeats are grouped
}

type notificationsPage struct {
	UnreadOnly bool
	Rows       []notificationRow
	Next       string // the id to page on from; empty: no more
}

// notificationList shows what happened in the staff member's groups,
// newest first (?unread=1: unread only; ?before=ID: older ones).
func (a *Admin) notificationList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentSession(ctx).Staff
	q := r.URL.Query()
	data := notificationsPage{UnreadOnly: q.Get("unread") == "1"}
	ns, err := storage.ListNotifications(ctx, a.db, me, storage.NotificationFilter{
		UnreadOnly: data.UnreadOnly, Before: q.Get("before"), Limit: notificationsPerPage + 1,
	})
	if err != nil {
		return err
	}
	if len(ns) > notificationsPerPage {
		ns = ns[:notificationsPerPage]
		data.Next = ns[len(ns)-1].ID
	}
	groups, err := auth.ManagedGroups(ctx, a.db, me)
	if err != nil {
		return err
	}
	byID := map[string]storage.Group{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	for _, n := range ns {
		g, ok := byID[n.GroupID]
		row := notificationRow{Notification: n, Group: g.Title}
		if ok {
			row.Link = "/admin/groups/" + g.Name + notificationPage(n.Kind)
		}
		row.IDs = []string{n.ID}
		data.Rows = append(data.Rows, row)
	}
	data.Rows = groupRepeats(data.Rows)
	return a.render(w, r, http.StatusOK, "notifications", &page{Title: "Notifications", Nav: "notifications", Data: data})
}

// notificationPage is the group page where a kind of notification is acted on.
func notificationPage(kind string) string {
	return map[string]string{
		storage.NotifyNewMember:     "/pulse#welcome",
		storage.NotifyFollowRequest: "/requests",
		storage.NotifyReview:        "/queue",
		storage.NotifyReport:        "/reports",
		storage.NotifyModmail:       "/modmail",
		storage.NotifyMention:       "/recent",
		storage.NotifyReply:         "/recent",
	}[kind]
}

// notificationKindText names a kind of notification for people.
func notificationKindText(kind string) string {
	if s, ok := map[string]string{
		storage.NotifyNewMember:     "New members",
		storage.NotifyFollowRequest: "Requests to join",
		storage.NotifyReview:        "Posts waiting for review",
		storage.NotifyReport:        "Reports",
		storage.NotifyModmail:       "Modmail",
		storage.NotifyMention:       "Mentions of the group",
		storage.NotifyReply:         "Replies to the group's threads",
	}[kind]; ok {
		return s
	}
	return kind
}

// notificationsRead marks one notification (id) or all of them (all=1) read.
func (a *Admin) notificationsRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentSession(ctx).Staff
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if f.Get("all") == "1" {
		err = storage.MarkAllNotificationsRead(ctx, a.db, me, a.now())
	} else {
		ids := f.values["id"]
		if len(ids) == 0 || len(ids) > notificationsPerPage {
			return &httpError{http.StatusBadRequest, "Choose the notifications to mark as read."}
		}
		err = storage.MarkNotificationsRead(ctx, a.db, me, ids, a.now())
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/notifications?done=read")
}

// groupRepeats folds runs of notifications of one kind in one group, in
// the same state (unread, read, dealt with), into one row: "12 new
// members" instead of twelve rows.
// The row keeps the newest one's time and every id, to mark them all read.
func groupRepeats(rows []notificationRow) []notificationRow {
	var out []notificationRow
	for _, r := range rows {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.GroupID == r.GroupID && last.Kind == r.Kind && last.Unread() == r.Unread() && last.ResolvedAt.IsZero() == r.ResolvedAt.IsZero() {
				last.IDs = append(last.IDs, r.ID)
				last.Text = repeatsText(last.Kind, len(last.IDs))
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// repeatsText says how many notifications of a kind a grouped row stands for.
func repeatsText(kind string, n int) string {
	format := map[string]string{
		storage.NotifyNewMember:     "%d new members",
		storage.NotifyFollowRequest: "%d requests to join",
		storage.NotifyReview:        "%d posts waiting for review",
		storage.NotifyReport:        "%d reports",
		storage.NotifyModmail:       "%d modmail messages",
		storage.NotifyMention:       "%d mentions of the group",
		storage.NotifyReply:         "%d replies to the group's threads",
	}[kind]
	if format == "" {
		format = "%d notifications"
	}
	return fmt.Sprintf(format, n)
}
