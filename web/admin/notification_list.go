package admin

import (
	"net/http"

	"github.com/kith-social/kith/storage"
	"github.com/kith-social/kith/web/auth"
)

// notificationsPerPage is how many notifications a page lists.
const notificationsPerPage = 50

// notificationRow is a notification with its group and where to act on it.
type notificationRow struct {
	storage.Notification
	Group string // the group's title
	Link  string // the admin page about it
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
		data.Rows = append(data.Rows, row)
	}
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
