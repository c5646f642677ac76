-- Belonging: events and their attendees, member profiles inside the
-- community (intro, directory opt-in), custom roles, badges, and the
-- per-group settings of the digest, plain boosts and the welcome DM.

-- An event is a group post of kind Event (its IRI is the post's); this row
-- holds what the post's object is built from.
CREATE TABLE events (
    id                    TEXT PRIMARY KEY,
    post_id               TEXT NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    group_id              TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    starts_at             TIMESTAMPTZ NOT NULL,
    ends_at               TIMESTAMPTZ NOT NULL,
    timezone              TEXT NOT NULL,
    place_name            TEXT NOT NULL DEFAULT '',
    place_address         TEXT NOT NULL DEFAULT '',
    online_url            TEXT NOT NULL DEFAULT '',
    capacity              INTEGER NOT NULL DEFAULT 0,
    members_only          BOOLEAN NOT NULL DEFAULT FALSE,
    remind_before_minutes INTEGER NOT NULL DEFAULT 1440,
    cancelled_at          TIMESTAMPTZ,
    reminded_at           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX events_group_idx ON events (group_id, starts_at);

--bun:split

-- via: 'join' (an ActivityStreams Join, Mobilizon), 'reply' (a "going"
-- reply, Mastodon), 'staff'.
CREATE TABLE event_attendees (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    via          TEXT NOT NULL,
    activity_iri TEXT NOT NULL DEFAULT '',
    activity_raw TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (event_id, actor_id)
);

--bun:split

CREATE INDEX event_attendees_actor_idx ON event_attendees (actor_id);

--bun:split

CREATE TABLE member_profiles (
    group_id       TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id       TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    intro_post_id  TEXT REFERENCES posts (id) ON DELETE SET NULL,
    in_directory   BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, actor_id)
);

--bun:split

CREATE TABLE member_roles (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    colour     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, name)
);

--bun:split

CREATE TABLE member_role_assignments (
    role_id    TEXT NOT NULL REFERENCES member_roles (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (role_id, actor_id)
);

--bun:split

CREATE TABLE badges (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    emoji      TEXT NOT NULL DEFAULT '',
    image_path TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (group_id, label)
);

--bun:split

CREATE TABLE badge_awards (
    id         TEXT PRIMARY KEY,
    badge_id   TEXT NOT NULL REFERENCES badges (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    note       TEXT NOT NULL DEFAULT '',
    staff_name TEXT NOT NULL DEFAULT '',
    post_id    TEXT REFERENCES posts (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (badge_id, actor_id)
);

--bun:split

CREATE INDEX badge_awards_actor_idx ON badge_awards (actor_id);

--bun:split

-- digest: 'off', 'daily' or 'weekly'. No row: the defaults below.
CREATE TABLE belonging_settings (
    group_id         TEXT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    digest           TEXT NOT NULL DEFAULT 'off',
    digest_sent_at   TIMESTAMPTZ,
    plain_boosts     BOOLEAN NOT NULL DEFAULT TRUE,
    welcome_template TEXT NOT NULL DEFAULT '',
    directory_public BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at       TIMESTAMPTZ NOT NULL
);
