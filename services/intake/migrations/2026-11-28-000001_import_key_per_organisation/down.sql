ALTER TABLE participants DROP CONSTRAINT participants_import_reference;
ALTER TABLE participants
    ADD CONSTRAINT participants_import_reference UNIQUE (import_source, external_reference);
