-- A group's copy of a member's post (a members-only post it republished,
-- a regular's reply it relayed to the regulars) is found by the original's
-- IRI: when the archive leaves out originals that have a copy, when a
-- reply continues from the copy, and when the author deletes the original.
CREATE INDEX posts_group_source_iri_idx ON posts (group_id, source_iri);
