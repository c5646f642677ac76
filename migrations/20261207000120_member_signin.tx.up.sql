-- The members' own web (issue 18): signing in with a fediverse handle.
--
-- A sign-in link is sent to a member by direct message; the database keeps
-- only the SHA-256 of its token, bound to the group and the member, usable
-- once before expires_at. note_iri names the direct message that carried
-- it, so that the group's outbox copy of the link is erased once the link
-- is used or has expired.

CREATE TABLE member_signin_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    note_iri   TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

--bun:split

CREATE INDEX member_signin_tokens_expires_idx ON member_signin_tokens (expires_at);

--bun:split

-- A member's browser session, apart from staff sessions: its own cookie,
-- its own table, no way into /admin. It ends after 30 days without use.

CREATE TABLE member_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    group_id     TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX member_sessions_member_idx ON member_sessions (group_id, actor_id);

--bun:split

CREATE INDEX member_sessions_seen_idx ON member_sessions (last_seen_at);

--bun:split

-- Sign-in link requests, one row per budget they count against (the
-- handle, its server, the client's address), so the limits hold across
-- processes sharing the database.

CREATE TABLE member_signin_requests (
    id      TEXT PRIMARY KEY,
    scope   TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX member_signin_requests_key_idx ON member_signin_requests (scope, subject, at);

--bun:split

CREATE INDEX member_signin_requests_at_idx ON member_signin_requests (at);
