-- The import key includes the organisation: one HR vendor importing for two companies
-- may use the same employee number in both.
ALTER TABLE participants DROP CONSTRAINT participants_import_reference;
ALTER TABLE participants
    ADD CONSTRAINT participants_import_reference
    UNIQUE (import_source, organisation_id, external_reference);
