-- What a member adds about themselves in one group, from the members'
-- pages (issue 18): pronouns and a few profile fields local to this
-- community (shown beside what their own server says), and whether the
-- group's digest also comes to them as a direct message.

ALTER TABLE member_profiles ADD COLUMN pronouns TEXT NOT NULL DEFAULT '';

--bun:split

ALTER TABLE member_profiles ADD COLUMN fields_json TEXT NOT NULL DEFAULT '[]';

--bun:split

ALTER TABLE member_profiles ADD COLUMN digest_dm BOOLEAN NOT NULL DEFAULT FALSE;
