-- Moderation: banned actors, blocked servers, reports and the log of
-- every moderator action.

CREATE TABLE bans (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL DEFAULT '',
    block_iri  TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, actor_id)
);

--bun:split

CREATE TABLE domain_blocks (
    domain     TEXT PRIMARY KEY,
    reason     TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    group_id     TEXT REFERENCES groups (id) ON DELETE CASCADE,
    activity_iri TEXT NOT NULL DEFAULT '',
    reporter_iri TEXT NOT NULL DEFAULT '',
    target_iri   TEXT NOT NULL DEFAULT '',
    object_iris  TEXT NOT NULL DEFAULT '[]',
    reason       TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'open',
    resolved_by  TEXT NOT NULL DEFAULT '',
    resolution   TEXT NOT NULL DEFAULT '',
    forwarded_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    resolved_at  TIMESTAMPTZ
);

--bun:split

CREATE INDEX reports_state_idx ON reports (state, created_at);

--bun:split

CREATE TABLE moderation_log (
    id         TEXT PRIMARY KEY,
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    staff_id   TEXT NOT NULL DEFAULT '',
    staff_name TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX moderation_log_group_idx ON moderation_log (group_id, id);

--bun:split

ALTER TABLE groups ADD COLUMN public_modlog BOOLEAN NOT NULL DEFAULT FALSE;
