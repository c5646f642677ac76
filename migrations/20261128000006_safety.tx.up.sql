-- Privacy and safety: join questions, probation, feedback to authors,
-- anti-spam rules, domain trust, modmail, anonymous posts, members-only
-- republication.

ALTER TABLE groups ADD COLUMN join_questions TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE groups ADD COLUMN probation_posts INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE groups ADD COLUMN feedback_dms BOOLEAN NOT NULL DEFAULT TRUE;

--bun:split

ALTER TABLE groups ADD COLUMN max_group_mentions INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE groups ADD COLUMN min_account_age_days INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE groups ADD COLUMN review_keywords TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE follows ADD COLUMN join_answer TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE remote_actors ADD COLUMN published_at TIMESTAMPTZ;

--bun:split

ALTER TABLE posts ADD COLUMN source_iri TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE posts ADD COLUMN credit_actor_id TEXT REFERENCES remote_actors (id) ON DELETE SET NULL;

--bun:split

ALTER TABLE posts ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;

--bun:split

CREATE TABLE domain_trust (
    domain     TEXT PRIMARY KEY,
    level      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE TABLE feedback_sent (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    sent_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, actor_id)
);

--bun:split

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    group_id        TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id        TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'open',
    assigned_to     TEXT NOT NULL DEFAULT '',
    last_message_at TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, actor_id)
);

--bun:split

CREATE TABLE conversation_messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    incoming        BOOLEAN NOT NULL,
    iri             TEXT NOT NULL DEFAULT '',
    content_html    TEXT NOT NULL,
    staff_name      TEXT NOT NULL DEFAULT '',
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX conversation_messages_conv_idx ON conversation_messages (conversation_id, id);

--bun:split

CREATE TABLE anon_requests (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id     TEXT REFERENCES remote_actors (id) ON DELETE SET NULL,
    iri          TEXT NOT NULL DEFAULT '',
    content_html TEXT NOT NULL,
    members_only BOOLEAN NOT NULL DEFAULT FALSE,
    state        TEXT NOT NULL DEFAULT 'pending',
    post_id      TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ
);
