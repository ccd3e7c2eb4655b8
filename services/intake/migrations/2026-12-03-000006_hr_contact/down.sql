DELETE FROM notices WHERE organisation_id IS NOT NULL;
DROP INDEX notices_once_organisation;
ALTER TABLE notices DROP CONSTRAINT notices_one_recipient;
ALTER TABLE notices DROP COLUMN organisation_id;
ALTER TABLE notices ALTER COLUMN participant_id SET NOT NULL;
ALTER TABLE organisations DROP COLUMN hr_contact_name;
ALTER TABLE organisations DROP COLUMN hr_contact_email;
