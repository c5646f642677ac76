-- The remote media cache: images (avatars, headers, attachments) that
-- pages show from other servers, fetched by the node, re-encoded and
-- served from its own URL. One row per remote URL, keyed by the SHA-256
-- of the URL; the file is DATA/media-cache/<url_hash[:2]>/<url_hash><ext>.
-- A row with failed_at set and no content is a fetch that failed: it is
-- not tried again until the negative-cache period has passed.

CREATE TABLE remote_media (
    url_hash     TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    media_type   TEXT NOT NULL DEFAULT '',
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    size_bytes   BIGINT NOT NULL DEFAULT 0,
    fetched_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    failed_at    TIMESTAMPTZ,
    failure      TEXT NOT NULL DEFAULT ''
);

--bun:split

CREATE INDEX remote_media_last_used_idx ON remote_media (last_used_at);
