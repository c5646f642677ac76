-- Trust levels: each member of a group is a newcomer, a member, a regular
-- or a leader. Levels are earned from what the node knows (days since
-- joining, approved posts, likes from other members, events attended, no
-- upheld report) against per-group thresholds, set by staff by hand, and
-- lowered when a report against the member is upheld. A newcomer's posts
-- are reviewed when the group asks it; this replaces probation's post
-- counter (groups.probation_posts), which is mapped here and dropped.

CREATE TABLE trust_settings (
    group_id         TEXT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    review_newcomers BOOLEAN NOT NULL DEFAULT FALSE,
    member_auto      BOOLEAN NOT NULL DEFAULT TRUE,
    member_days      INTEGER NOT NULL DEFAULT 0,
    member_posts     INTEGER NOT NULL DEFAULT 1,
    member_likes     INTEGER NOT NULL DEFAULT 0,
    member_events    INTEGER NOT NULL DEFAULT 0,
    regular_auto     BOOLEAN NOT NULL DEFAULT TRUE,
    regular_days     INTEGER NOT NULL DEFAULT 30,
    regular_posts    INTEGER NOT NULL DEFAULT 10,
    regular_likes    INTEGER NOT NULL DEFAULT 10,
    regular_events   INTEGER NOT NULL DEFAULT 0,
    updated_at       TIMESTAMPTZ
);

--bun:split

-- No row: a newcomer whose level is earned automatically. by_hand: staff
-- set the level, and the periodic promotion leaves it alone.
CREATE TABLE member_levels (
    group_id          TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id          TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    level             TEXT NOT NULL,
    by_hand           BOOLEAN NOT NULL DEFAULT FALSE,
    show_in_directory BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at        TIMESTAMPTZ,
    PRIMARY KEY (group_id, actor_id)
);

--bun:split

CREATE INDEX member_levels_level_idx ON member_levels (group_id, level);

--bun:split

-- A report is upheld when staff acted on it (removed the post, banned the
-- author, blocked the server): it lowers the author to newcomer and keeps
-- them there.
ALTER TABLE reports ADD COLUMN upheld BOOLEAN NOT NULL DEFAULT FALSE;

--bun:split

UPDATE reports SET upheld = TRUE
WHERE state = 'resolved' AND (resolution LIKE 'Removed the post%' OR resolution LIKE 'Banned %' OR resolution LIKE 'Blocked %');

--bun:split

-- Probation's "a new member's first N posts are reviewed" becomes "a
-- newcomer's posts are reviewed, and N approved posts make a member", with
-- no other requirement: the same posts are held as before.
INSERT INTO trust_settings (group_id, review_newcomers, member_days, member_posts, member_likes, member_events)
SELECT id, probation_posts > 0, 0, CASE WHEN probation_posts > 0 THEN probation_posts ELSE 1 END, 0, 0 FROM groups;

--bun:split

-- Members who joined before levels existed are members; in a group with
-- probation, only those past it (their posts already went straight through).
INSERT INTO member_levels (group_id, actor_id, level, by_hand, show_in_directory)
SELECT f.group_id, f.actor_id, 'member', FALSE, FALSE
FROM follows f JOIN groups g ON g.id = f.group_id
WHERE f.state = 'accepted' AND (g.probation_posts = 0 OR
    (SELECT COUNT(*) FROM posts p WHERE p.group_id = f.group_id AND p.author_id = f.actor_id AND p.state = 'published') >= g.probation_posts);

--bun:split

ALTER TABLE groups DROP COLUMN probation_posts;
