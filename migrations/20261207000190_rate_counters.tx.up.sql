-- Rate limits that hold across several `kith serve` processes on one
-- PostgreSQL database (the public remote-follow and report forms): one row
-- per limited key and fixed window, counted by an upsert. SQLite has one
-- process and counts in memory; the table exists there too, unused.

CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL, -- Unix seconds
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

CREATE INDEX rate_counters_window_idx ON rate_counters (window_start);
