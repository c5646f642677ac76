package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Notification kinds.
const (
	NotifyNewMember     = "new_member"
	NotifyFollowRequest = "follow_request"
	NotifyReview        = "review"
	NotifyReport        = "report"
	NotifyModmail       = "modmail"
	NotifyMention       = "mention"
	NotifyReply         = "reply"
)

// NotificationKinds lists every kind, in the order settings pages show them.
func NotificationKinds() []string {
	return []string{NotifyNewMember, NotifyFollowRequest, NotifyReview, NotifyReport, NotifyModmail, NotifyMention, NotifyReply}
}

// E-mail modes of a notification preference.
const (
	EmailOff       = "off"
	EmailImmediate = "immediate"
	EmailDaily     = "daily"
)

// Notification tells staff that something happened in a group. Without
// StaffID it is for everyone who manages the group: its moderators and
// the owners. ReadAt is the reader's own read time (from the listing).
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID         string    `bun:"id,pk"`
	GroupID    string    `bun:"group_id,notnull"`
	StaffID    string    `bun:"staff_id,nullzero"`
	Kind       string    `bun:"kind,notnull"`
	SubjectIRI string    `bun:"subject_iri,notnull"` // the actor, post or report it is about
	Text       string    `bun:"text,notnull"`        // plain text
	CreatedAt  time.Time `bun:"created_at,notnull"`
	// ResolvedAt is when a moderator dealt with what it is about (decided
	// the held post, the request, the report): then it is read for all.
	ResolvedAt time.Time `bun:"resolved_at,nullzero"`

	ReadAt time.Time `bun:"read_at,scanonly,nullzero"`
}

// Unread tells whether the reader has neither read it nor seen it dealt with.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() && n.ResolvedAt.IsZero() }

// ResolveNotifications marks the group's notifications of kind about any
// of subjects resolved: the thing they are about was dealt with, so they
// no longer count as unread for anyone, nor are they mailed. Resolving
// twice keeps the first time.
func ResolveNotifications(ctx context.Context, db bun.IDB, at time.Time, groupID, kind string, subjects ...string) error {
	if len(subjects) == 0 {
		return nil
	}
	_, err := db.NewUpdate().Model((*Notification)(nil)).Set("resolved_at = ?", at.UTC()).
		Where("group_id = ? AND kind = ? AND subject_iri IN (?) AND resolved_at IS NULL", groupID, kind, bun.List(subjects)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("resolve %s notifications: %w", kind, err)
	}
	return nil
}

// CreateNotification stores a notification.
func CreateNotification(ctx context.Context, db bun.IDB, now time.Time, n *Notification) error {
	if n.ID == "" {
		n.ID = NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = now.UTC()
	}
	if _, err := db.NewInsert().Model(n).Exec(ctx); err != nil {
		return fmt.Errorf("store %s notification: %w", n.Kind, err)
	}
	return nil
}

// ResolveConversationNotifications marks the modmail notifications of a
// conversation resolved (staff answered it or closed it): those name the
// conversation (members' pages) or one of its incoming messages.
func ResolveConversationNotifications(ctx context.Context, db bun.IDB, at time.Time, c *Conversation) error {
	_, err := db.NewUpdate().Model((*Notification)(nil)).Set("resolved_at = ?", at.UTC()).
		Where("group_id = ? AND kind = ? AND resolved_at IS NULL", c.GroupID, NotifyModmail).
		Where("(subject_iri = ? OR subject_iri IN (SELECT cm.iri FROM conversation_messages AS cm WHERE cm.conversation_id = ? AND cm.incoming))", c.ID, c.ID).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("resolve modmail notifications of %s: %w", c.ID, err)
	}
	return nil
}

// NotificationKindsToAct are the kinds that ask staff to do something —
// decide a request, a held post, a report; answer modmail — and resolve
// when someone does. The unread count counts only these: the rest (new
// members, mentions, replies) is news, listed but not counted.
func NotificationKindsToAct() []string {
	return []string{NotifyFollowRequest, NotifyReview, NotifyReport, NotifyModmail}
}

// NotificationExists tells whether a group already has an unresolved
// notification of kind about subject created at or after since (a request
// sent again after it was decided is news again).
func NotificationExists(ctx context.Context, db bun.IDB, groupID, kind, subject string, since time.Time) (bool, error) {
	ok, err := db.NewSelect().Model((*Notification)(nil)).
		Where("group_id = ? AND kind = ? AND subject_iri = ? AND created_at >= ? AND resolved_at IS NULL", groupID, kind, subject, since.UTC()).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("look up %s notification: %w", kind, err)
	}
	return ok, nil
}

// visibleTo restricts q (over notifications AS n) to those staff member s
// sees: their own, and those of the groups they manage (every group for an
// owner), minus the kinds they turned off in the app.
func visibleTo(q *bun.SelectQuery, s *Staff) *bun.SelectQuery {
	if s.Role == RoleOwner {
		q = q.Where("(n.staff_id IS NULL OR n.staff_id = ?)", s.ID)
	} else {
		q = q.Where("(n.staff_id = ? OR n.staff_id IS NULL AND n.group_id IN (SELECT gm.group_id FROM group_moderators AS gm WHERE gm.staff_id = ?))", s.ID, s.ID)
	}
	return q.Where("NOT EXISTS (SELECT 1 FROM notification_prefs AS np WHERE np.staff_id = ? AND np.kind = n.kind AND NOT np.in_app)", s.ID)
}

// NotificationFilter selects notifications for a listing.
type NotificationFilter struct {
	GroupID    string // empty: every group the staff member manages
	UnreadOnly bool
	Before     string // ids before this one (paging, newest first)
	Limit      int
}

// ListNotifications lists what staff member s sees, newest first, with
// their read time.
func ListNotifications(ctx context.Context, db bun.IDB, s *Staff, f NotificationFilter) ([]Notification, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var ns []Notification
	q := db.NewSelect().Model(&ns).ColumnExpr("n.*").ColumnExpr("nr.read_at AS read_at").
		Join("LEFT JOIN notification_receipts AS nr ON nr.notification_id = n.id AND nr.staff_id = ?", s.ID)
	q = visibleTo(q, s)
	if f.GroupID != "" {
		q = q.Where("n.group_id = ?", f.GroupID)
	}
	if f.UnreadOnly {
		q = q.Where("nr.read_at IS NULL AND n.resolved_at IS NULL")
	}
	if f.Before != "" {
		q = q.Where("n.id < ?", f.Before)
	}
	if err := q.Order("n.id DESC").Limit(int64(f.Limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list notifications of %s: %w", s.Username, err)
	}
	return ns, nil
}

// CountUnreadNotifications counts what staff member s has neither read
// nor seen dealt with (by anyone).
func CountUnreadNotifications(ctx context.Context, db bun.IDB, s *Staff) (int, error) {
	return countUnread(ctx, db, s, nil)
}

// CountNotificationsToAct counts the unread notifications that ask staff
// member s to act (NotificationKindsToAct): the admin's menu shows it.
func CountNotificationsToAct(ctx context.Context, db bun.IDB, s *Staff) (int, error) {
	return countUnread(ctx, db, s, NotificationKindsToAct())
}

func countUnread(ctx context.Context, db bun.IDB, s *Staff, kinds []string) (int, error) {
	q := db.NewSelect().Model((*Notification)(nil)).
		Join("LEFT JOIN notification_receipts AS nr ON nr.notification_id = n.id AND nr.staff_id = ?", s.ID).
		Where("nr.read_at IS NULL AND n.resolved_at IS NULL")
	if kinds != nil {
		q = q.Where("n.kind IN (?)", bun.List(kinds))
	}
	n, err := visibleTo(q, s).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications of %s: %w", s.Username, err)
	}
	return int(n), nil
}

// MarkNotificationsRead marks notifications read for staff member s. Ids
// s cannot see are ignored; marking twice keeps the first time.
func MarkNotificationsRead(ctx context.Context, db bun.IDB, s *Staff, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return markRead(ctx, db, s, at, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("n.id IN (?)", bun.List(ids)) })
}

// MarkAllNotificationsRead marks everything staff member s sees read.
func MarkAllNotificationsRead(ctx context.Context, db bun.IDB, s *Staff, at time.Time) error {
	return markRead(ctx, db, s, at, func(q *bun.SelectQuery) *bun.SelectQuery { return q })
}

func markRead(ctx context.Context, db bun.IDB, s *Staff, at time.Time, filter func(*bun.SelectQuery) *bun.SelectQuery) error {
	sel := db.NewSelect().TableExpr("notifications AS n").ColumnExpr("n.id, ?, ?", s.ID, at.UTC())
	sel = filter(visibleTo(sel, s))
	_, err := db.NewRaw("INSERT INTO notification_receipts (notification_id, staff_id, read_at) ? "+
		"ON CONFLICT (notification_id, staff_id) DO UPDATE SET read_at = COALESCE(notification_receipts.read_at, EXCLUDED.read_at)", sel).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark notifications read for %s: %w", s.Username, err)
	}
	return nil
}

// NotificationPref is one staff member's choice for one kind.
type NotificationPref struct {
	bun.BaseModel `bun:"table:notification_prefs,alias:np"`

	StaffID   string    `bun:"staff_id,pk"`
	Kind      string    `bun:"kind,pk"`
	InApp     bool      `bun:"in_app,notnull"`
	Email     string    `bun:"email,notnull"` // EmailOff, EmailImmediate or EmailDaily
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// SetNotificationPref saves a preference. Only notifications created after
// it are e-mailed under it: opting in does not mail the backlog.
func SetNotificationPref(ctx context.Context, db bun.IDB, now time.Time, p *NotificationPref) error {
	switch p.Email {
	case "":
		p.Email = EmailOff
	case EmailOff, EmailImmediate, EmailDaily:
	default:
		return fmt.Errorf("e-mail mode %q: want %s, %s or %s", p.Email, EmailOff, EmailImmediate, EmailDaily)
	}
	if !validKind(p.Kind) {
		return fmt.Errorf("notification kind %q is not known", p.Kind)
	}
	p.UpdatedAt = now.UTC()
	_, err := db.NewInsert().Model(p).On("CONFLICT (staff_id, kind) DO UPDATE").
		Set("in_app = EXCLUDED.in_app, email = EXCLUDED.email, updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("save notification preference %s of %s: %w", p.Kind, p.StaffID, err)
	}
	return nil
}

func validKind(k string) bool {
	for _, kind := range NotificationKinds() {
		if k == kind {
			return true
		}
	}
	return false
}

// NotificationPrefs returns a staff member's preference for every kind:
// stored ones, and the default (in the app, no e-mail) for the rest.
func NotificationPrefs(ctx context.Context, db bun.IDB, staffID string) ([]NotificationPref, error) {
	var stored []NotificationPref
	if err := db.NewSelect().Model(&stored).Where("staff_id = ?", staffID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("notification preferences of %s: %w", staffID, err)
	}
	byKind := map[string]NotificationPref{}
	for _, p := range stored {
		byKind[p.Kind] = p
	}
	var out []NotificationPref
	for _, k := range NotificationKinds() {
		p, ok := byKind[k]
		if !ok {
			p = NotificationPref{StaffID: staffID, Kind: k, InApp: true, Email: EmailOff}
		}
		out = append(out, p)
	}
	return out, nil
}

// NotificationSettings is a staff member's e-mail address for
// notifications and when their last daily summary went out.
type NotificationSettings struct {
	bun.BaseModel `bun:"table:notification_settings,alias:ns"`

	StaffID      string    `bun:"staff_id,pk"`
	Email        string    `bun:"email,notnull"`
	DigestSentAt time.Time `bun:"digest_sent_at,nullzero"`
}

// SetNotificationEmail sets the address notifications are mailed to ("" stops e-mail).
func SetNotificationEmail(ctx context.Context, db bun.IDB, staffID, email string) error {
	email = strings.TrimSpace(email)
	if strings.ContainsAny(email, "\r\n") {
		return fmt.Errorf("e-mail address %q: line breaks are not allowed", email)
	}
	_, err := db.NewInsert().Model(&NotificationSettings{StaffID: staffID, Email: email}).
		On("CONFLICT (staff_id) DO UPDATE").Set("email = EXCLUDED.email").Exec(ctx)
	if err != nil {
		return fmt.Errorf("save notification address of %s: %w", staffID, err)
	}
	return nil
}

// NotificationSettingsOf loads a staff member's settings (empty ones if none).
func NotificationSettingsOf(ctx context.Context, db bun.IDB, staffID string) (*NotificationSettings, error) {
	s := &NotificationSettings{StaffID: staffID}
	err := db.NewSelect().Model(s).Where("staff_id = ?", staffID).Scan(ctx)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("notification settings of %s: %w", staffID, err)
	}
	return s, nil
}

// PendingEmail is a notification waiting to be mailed to one staff member.
type PendingEmail struct {
	StaffID        string    `bun:"recipient_id"`
	Username       string    `bun:"username"`
	Address        string    `bun:"address"`
	GroupName      string    `bun:"group_name"`
	NotificationID string    `bun:"id"`
	Kind           string    `bun:"kind"`
	SubjectIRI     string    `bun:"subject_iri"`
	Text           string    `bun:"text"`
	CreatedAt      time.Time `bun:"created_at"`
}

// PendingEmails lists notifications to mail in a mode (EmailImmediate or
// EmailDaily), by recipient then age: the recipient has an address, chose
// the mode for the kind before the notification was created, can see it,
// and has neither read it nor been mailed it, and nobody dealt with it. For EmailDaily only
// recipients whose last summary is older than digestBefore are listed.
func PendingEmails(ctx context.Context, db bun.IDB, mode string, digestBefore time.Time, limit int) ([]PendingEmail, error) {
	if limit <= 0 {
		limit = 500
	}
	var where []string
	args := []any{mode}
	if mode == EmailDaily {
		where = append(where, "(ns.digest_sent_at IS NULL OR ns.digest_sent_at <= ?)")
		args = append(args, digestBefore.UTC())
	}
	where = append(where, "1 = 1")
	args = append(args, RoleOwner, limit)
	query := `SELECT st.id AS recipient_id, st.username, ns.email AS address, g.name AS group_name,
		n.id, n.kind, n.subject_iri, n.text, n.created_at
	FROM notifications AS n
	JOIN groups AS g ON g.id = n.group_id
	JOIN notification_prefs AS np ON np.kind = n.kind AND np.email = ? AND n.created_at >= np.updated_at
	JOIN notification_settings AS ns ON ns.staff_id = np.staff_id AND ns.email <> ''
	JOIN staff AS st ON st.id = np.staff_id
	LEFT JOIN notification_receipts AS nr ON nr.notification_id = n.id AND nr.staff_id = np.staff_id
	WHERE nr.emailed_at IS NULL AND nr.read_at IS NULL AND n.resolved_at IS NULL AND ` + strings.Join(where, " AND ") + `
	AND (n.staff_id = st.id OR n.staff_id IS NULL AND (st.role = ? OR n.group_id IN (SELECT gm.group_id FROM group_moderators AS gm WHERE gm.staff_id = st.id)))
	ORDER BY st.id, n.id
	LIMIT ?`
	var out []PendingEmail
	if err := db.NewRaw(query, args...).Scan(ctx, &out); err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("notifications to e-mail (%s): %w", mode, err)
	}
	return out, nil
}

// MarkNotificationsEmailed records that notifications were mailed to a
// staff member; for a daily summary it also records when it was sent.
func MarkNotificationsEmailed(ctx context.Context, db bun.IDB, staffID string, ids []string, digest bool, at time.Time) error {
	for _, id := range ids {
		_, err := db.NewRaw("INSERT INTO notification_receipts (notification_id, staff_id, emailed_at) VALUES (?, ?, ?) "+
			"ON CONFLICT (notification_id, staff_id) DO UPDATE SET emailed_at = EXCLUDED.emailed_at", id, staffID, at.UTC()).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark notification %s e-mailed to %s: %w", id, staffID, err)
		}
	}
	if digest {
		_, err := db.NewUpdate().Model((*NotificationSettings)(nil)).Set("digest_sent_at = ?", at.UTC()).
			Where("staff_id = ?", staffID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("record summary sent to %s: %w", staffID, err)
		}
	}
	return nil
}
