-- Engagement: polls the group publishes and the votes members send,
-- posts scheduled for later, staff notifications (with per-staff
-- preferences and e-mail), and membership events for the community pulse.

CREATE TABLE polls (
    id           TEXT PRIMARY KEY,
    post_id      TEXT NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    group_id     TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    multiple     BOOLEAN NOT NULL DEFAULT FALSE,
    closes_at    TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    voters_count INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE TABLE poll_options (
    id          TEXT PRIMARY KEY,
    poll_id     TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    votes_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (poll_id, name)
);

--bun:split

-- choice_key is '' for a single-choice poll and the option id for a
-- multiple-choice one, so the unique key allows one vote per actor, or one
-- per actor and option.
CREATE TABLE poll_votes (
    id           TEXT PRIMARY KEY,
    poll_id      TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    option_id    TEXT NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    choice_key   TEXT NOT NULL,
    activity_iri TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (poll_id, actor_id, choice_key)
);

--bun:split

CREATE INDEX poll_votes_option_idx ON poll_votes (option_id);

--bun:split

CREATE TABLE scheduled_posts (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    input_json TEXT NOT NULL,
    run_at     TIMESTAMPTZ NOT NULL,
    state      TEXT NOT NULL,
    staff_id   TEXT NOT NULL DEFAULT '',
    staff_name TEXT NOT NULL DEFAULT '',
    post_id    TEXT,
    error      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    done_at    TIMESTAMPTZ
);

--bun:split

CREATE INDEX scheduled_posts_group_idx ON scheduled_posts (group_id, state, run_at);

--bun:split

-- A notification with staff_id NULL is for everyone who manages the group
-- (its moderators and the owners); read and e-mailed state is per staff
-- member, in notification_receipts.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    staff_id    TEXT REFERENCES staff (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    subject_iri TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX notifications_group_idx ON notifications (group_id, id);

--bun:split

CREATE INDEX notifications_subject_idx ON notifications (group_id, kind, subject_iri);

--bun:split

CREATE TABLE notification_receipts (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    read_at         TIMESTAMPTZ,
    emailed_at      TIMESTAMPTZ,
    PRIMARY KEY (notification_id, staff_id)
);

--bun:split

CREATE INDEX notification_receipts_staff_idx ON notification_receipts (staff_id);

--bun:split

-- email: 'off', 'immediate' or 'daily'. No row: shown in the app, no e-mail.
CREATE TABLE notification_prefs (
    staff_id   TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    in_app     BOOLEAN NOT NULL DEFAULT TRUE,
    email      TEXT NOT NULL DEFAULT 'off',
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (staff_id, kind)
);

--bun:split

CREATE TABLE notification_settings (
    staff_id       TEXT PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    email          TEXT NOT NULL DEFAULT '',
    digest_sent_at TIMESTAMPTZ
);

--bun:split

CREATE TABLE membership_events (
    id       TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX membership_events_group_idx ON membership_events (group_id, at);

--bun:split

CREATE INDEX membership_events_actor_idx ON membership_events (group_id, actor_id, at);

--bun:split

ALTER TABLE follows ADD COLUMN welcomed_at TIMESTAMPTZ;
