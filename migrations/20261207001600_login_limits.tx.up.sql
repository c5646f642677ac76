-- The staff login limiter's records (web/auth.LoginLimiter): a client's
-- failures at one username, the attempts per client and per username in
-- the last hour, and the addresses a username logged in from. Kept in the
-- database so that the bounds hold across every `kith serve` process on
-- one PostgreSQL database, and across restarts. state is JSON owned by
-- web/auth; a record may be forgotten once expires_at (Unix seconds) has
-- passed.
CREATE TABLE login_limits (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX login_limits_expires_idx ON login_limits (expires_at);
