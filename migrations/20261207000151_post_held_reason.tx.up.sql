-- Why a post waits in the review queue (the review queue holds every
-- post, probation, account age, a review keyword, a server under review),
-- as the author's feedback message says it; empty for posts never held.
ALTER TABLE posts ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
