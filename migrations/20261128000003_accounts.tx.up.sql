-- Staff accounts in the admin UI: login sessions and one-time moderator
-- invitations. Tokens are stored as SHA-256 hashes (hex): a copy of the
-- database does not let anyone log in or accept an invitation.

CREATE TABLE staff_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    staff_id     TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);

--bun:split

CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

--bun:split

CREATE TABLE moderator_invites (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES staff (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    used_by    TEXT REFERENCES staff (id) ON DELETE SET NULL
);

--bun:split

CREATE INDEX moderator_invites_group_idx ON moderator_invites (group_id, used_at);
