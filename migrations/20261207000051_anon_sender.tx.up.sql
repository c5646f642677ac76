-- Anonymous posts (issue 16, "forget" must forget). The link between a
-- request and its sender lives in the request's row: actor_id, iri (the
-- direct message it came in) and, new here, sent_iris: the notes the group
-- sent the sender about it (the thank-you, the outcome), one per line.
-- "Forget" uses them to erase every copy the intake made — the received
-- activity id, the inbox and delivery jobs, the notes in the group's
-- outbox — then clears them (storage.ForgetAnonSender).

ALTER TABLE anon_requests ADD COLUMN sent_iris TEXT NOT NULL DEFAULT '';

--bun:split

-- Requests forgotten before this kept the direct message's id, which
-- names the sender on most servers; so did the received-activity record.

DELETE FROM received_activities
WHERE iri IN (SELECT iri FROM anon_requests WHERE actor_id IS NULL AND iri <> '');

--bun:split

UPDATE anon_requests SET iri = '' WHERE actor_id IS NULL;
