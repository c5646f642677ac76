-- Looking an actor up by its key id must use an index on SQLite too.
--
-- The unique index of 20261207000050 is partial (WHERE public_key_id <> ''),
-- and SQLite uses a partial index only when the query's own WHERE proves the
-- index's condition. The node's statements reach SQLite with their values
-- bound as parameters (storage's statement cache), and "public_key_id = ?"
-- proves nothing about an unknown value: every key lookup scanned the whole
-- table, inside the write transaction that stores an actor. With 10,000
-- members, accepting Follows fell from 215-250/s to 44-48/s.
--
-- The partial unique index stays (it keeps a key id to one actor); this
-- plain one serves the lookups.

CREATE INDEX remote_actors_key_lookup_idx ON remote_actors (public_key_id);
