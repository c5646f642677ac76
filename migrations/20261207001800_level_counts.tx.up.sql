-- Members per trust level, one row per group, day (midnight UTC) and
-- level: the pulse's "members per level over time". The periodic promotion
-- job writes today's rows every run (an upsert), so a day's row holds its
-- last count. A daily snapshot rather than a replayed log of level changes:
-- a member's count moves with joins, departures, bans, promotions, staff's
-- hand and upheld reports alike, and member_levels keeps only the latest
-- change, so no log could rebuild the past honestly; history starts the
-- day this table does.
CREATE TABLE level_counts (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    day      TIMESTAMPTZ NOT NULL,
    level    TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (group_id, day, level)
);
