-- Moving a group to another server (ActivityPub Move, as Mastodon moves
-- accounts). moved_to is the new group's actor IRI once the group has
-- moved (its actor document then says movedTo, its pages redirect, and it
-- answers posts with the new address); moved_to_handle is that group's
-- @name@host, for the answer. also_known_as lists, one IRI per line, the
-- groups this one is moving here from (its alsoKnownAs: a Move to it is
-- refused by every receiver unless it names the old group).

ALTER TABLE groups ADD COLUMN moved_to TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE groups ADD COLUMN moved_to_handle TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE groups ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '';

--bun:split

-- Members of the old group, read from an imported export, who have not yet
-- followed the new one: their Follow, arriving because of the Move, is
-- accepted without the join questions and keeps its first join date.
CREATE TABLE arriving_members (
    group_id     TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_iri    TEXT NOT NULL,
    member_since TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, actor_iri)
);
