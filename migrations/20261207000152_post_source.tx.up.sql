-- The Markdown a group post was written in, so that editing it starts
-- from what staff wrote, not from the rendered HTML; empty for members'
-- posts and for group posts written before this.
ALTER TABLE posts ADD COLUMN source_markdown TEXT NOT NULL DEFAULT '';
