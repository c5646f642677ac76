-- A member flagged for review: their posts are held for a moderator, with
-- review_reason as the queue's reason ("invited by @x@host, who was
-- banned"), until staff clear the flag. '' is not flagged. Set when staff
-- ban a member and choose to review everyone that member invited.
ALTER TABLE member_levels ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE member_levels ADD COLUMN flagged_at TIMESTAMPTZ;
