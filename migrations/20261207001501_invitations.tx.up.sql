-- Vouching: in a closed group, members at a chosen level invite people
-- with a one-time link valid a week; the invitee names their handle on the
-- link's page, and their follow is then accepted without join questions.
-- The used invitations are the invitation tree staff see.

ALTER TABLE trust_settings ADD COLUMN invite_level TEXT NOT NULL DEFAULT 'regular';

--bun:split

ALTER TABLE trust_settings ADD COLUMN invites_per_week INTEGER NOT NULL DEFAULT 3;

--bun:split

ALTER TABLE member_levels ADD COLUMN invite_revoked BOOLEAN NOT NULL DEFAULT FALSE;

--bun:split

-- token_hash: hex SHA-256 of the link's token (the token is never stored).
-- invitee_handle: user@host as the invitee typed it, lowercased, once
-- they opened the link; invitee_id and used_at once their follow came.
CREATE TABLE member_invitations (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    inviter_id     TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    invitee_handle TEXT NOT NULL DEFAULT '',
    claimed_at     TIMESTAMPTZ,
    invitee_id     TEXT REFERENCES remote_actors (id) ON DELETE SET NULL,
    used_at        TIMESTAMPTZ
);

--bun:split

CREATE INDEX member_invitations_inviter_idx ON member_invitations (group_id, inviter_id, created_at);

--bun:split

CREATE INDEX member_invitations_handle_idx ON member_invitations (group_id, invitee_handle);
