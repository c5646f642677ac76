-- Whether a poll's public page shows its counts while voting is open;
-- off, visitors see them once the poll closes.
ALTER TABLE polls ADD COLUMN live_counts BOOLEAN NOT NULL DEFAULT FALSE;
