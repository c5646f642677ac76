-- What groups send (their outbox), how each remote server is doing as a
-- delivery target, and reactions to group posts.

CREATE TABLE outbox_activities (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    iri        TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    object_iri TEXT NOT NULL DEFAULT '',
    public     BOOLEAN NOT NULL DEFAULT FALSE,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX outbox_group_idx ON outbox_activities (group_id, public, id);

--bun:split

CREATE TABLE servers (
    host              TEXT PRIMARY KEY,
    last_success_at   TIMESTAMPTZ,
    last_failure_at   TIMESTAMPTZ,
    last_error        TEXT NOT NULL DEFAULT '',
    failures          INTEGER NOT NULL DEFAULT 0,
    first_failure_at  TIMESTAMPTZ,
    unreachable_since TIMESTAMPTZ,
    deliveries        INTEGER NOT NULL DEFAULT 0
);

--bun:split

CREATE TABLE reactions (
    id           TEXT PRIMARY KEY,
    post_id      TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    activity_iri TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (post_id, actor_id, kind)
);

--bun:split

CREATE INDEX reactions_activity_idx ON reactions (activity_iri);
