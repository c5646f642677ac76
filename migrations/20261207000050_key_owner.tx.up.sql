-- A key id belongs to one actor (issue 16, key-id takeover). Before this,
-- an actor document could name another actor's key id as its own, and the
-- node stored the claim; looking the key up then found either actor.
--
-- Claims that cannot be right are dropped: a #fragment key id whose IRI
-- before '#' is not the actor (which also rules out another host).
-- Key ids without a fragment (GoToSocial's /users/x/main-key, separate key
-- documents) cannot be checked in SQL: they are dropped too, and fetched
-- and checked again (the key document must name the actor as its owner)
-- the next time one of those actors signs something. A dropped key costs
-- one fetch; no row is deleted. After this, at most one row holds any
-- key id, and the unique index keeps it so.

UPDATE remote_actors SET public_key_id = '', public_key_pem = ''
WHERE public_key_id <> ''
  AND substr(public_key_id, 1, length(iri) + 1) <> iri || '#';

--bun:split

DROP INDEX remote_actors_key_idx;

--bun:split

CREATE UNIQUE INDEX remote_actors_key_idx ON remote_actors (public_key_id) WHERE public_key_id <> '';
