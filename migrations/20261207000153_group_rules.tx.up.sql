-- A group's rules, one per line: a list of their own on the group's
-- pages, instead of taking profile-field rows (Mastodon shows four).
ALTER TABLE groups ADD COLUMN rules TEXT NOT NULL DEFAULT '';
