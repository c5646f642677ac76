-- A member's private calendar link (issue 18): the group's events,
-- members-only ones included, at a secret URL a calendar app polls. The
-- database keeps the SHA-256 of the URL's token; one link per member and
-- group, replaced (the old one stops working) or deleted by the member.

CREATE TABLE member_calendars (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, actor_id)
);
