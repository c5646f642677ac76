-- An event's optional cover image: an upload under the node's media
-- directory (path relative to it), its description and its size, shown on
-- the event's pages and sent as the Event's image.
ALTER TABLE events ADD COLUMN image_path TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE events ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE events ADD COLUMN image_type TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE events ADD COLUMN image_width INTEGER NOT NULL DEFAULT 0;

--bun:split

ALTER TABLE events ADD COLUMN image_height INTEGER NOT NULL DEFAULT 0;
