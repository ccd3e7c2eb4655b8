DROP INDEX time_entries_source_person; ALTER TABLE time_entries DROP COLUMN source;
