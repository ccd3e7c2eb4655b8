-- The company's HR contact (business contact data, not a participant's): told when a
-- coach is assigned to the company's trajectory (docs/notices.md). NULL: none.
ALTER TABLE organisations ADD COLUMN hr_contact_email text;
ALTER TABLE organisations ADD COLUMN hr_contact_name text;
-- A notice to an organisation's HR contact has no participant: each notice is either a
-- participant's or an organisation's, once per (source, recipient, kind).
ALTER TABLE notices ALTER COLUMN participant_id DROP NOT NULL;
ALTER TABLE notices ADD COLUMN organisation_id uuid REFERENCES organisations (id);
ALTER TABLE notices ADD CONSTRAINT notices_one_recipient
    CHECK ((participant_id IS NULL) <> (organisation_id IS NULL));
CREATE UNIQUE INDEX notices_once_organisation ON notices (source_key, organisation_id, kind)
    WHERE organisation_id IS NOT NULL;
