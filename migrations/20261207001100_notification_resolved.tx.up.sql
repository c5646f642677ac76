-- A notification about something that needs a decision (a held post, a
-- join request, a report, an anonymous post) is resolved when a moderator
-- decides it: it then counts as read for everyone who sees it, leaves the
-- unread count, and is not mailed any more.
ALTER TABLE notifications ADD COLUMN resolved_at TIMESTAMPTZ;
