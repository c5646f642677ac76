-- What software each remote server runs, from its NodeInfo: the outbox
-- sends each server only the activity shapes its software uses
-- (federation/software). One row per host[:port]; checked_at is the last
-- attempt, so a server whose NodeInfo fails is not asked again until the
-- daily refresh. name is lower case, '' while unknown.

CREATE TABLE server_software (
    host       TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    version    TEXT NOT NULL DEFAULT '',
    checked_at TIMESTAMPTZ NOT NULL,
    error      TEXT NOT NULL DEFAULT ''
);

--bun:split

CREATE INDEX server_software_checked_idx ON server_software (checked_at);
