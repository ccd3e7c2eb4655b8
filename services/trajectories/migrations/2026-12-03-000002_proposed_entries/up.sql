-- The activity that proposed an entry (`coaching_session:<id>`, `workshop:<id>`): each
-- proposes one person's time once, whatever the redeliveries.
ALTER TABLE time_entries ADD COLUMN source text;
CREATE UNIQUE INDEX time_entries_source_person ON time_entries (source, person_id)
    WHERE source IS NOT NULL;
