-- Profile fields of a group (rules, links), published as PropertyValue
-- attachments on the Group actor: [{"name": …, "value": HTML}].
ALTER TABLE groups ADD COLUMN fields_json TEXT NOT NULL DEFAULT '[]';
