-- The rate method is data per participant: a fixed rate for all its people, or each
-- person's own rate. An entry keeps the rate it was recorded at, so that a later change
-- of rates never reprices hours already accounted for (nor what reporting was told).
ALTER TABLE project_participants
    ADD COLUMN rate_method text NOT NULL DEFAULT 'fixed' CHECK (rate_method IN ('fixed', 'personal')),
    -- With the personal method: the rate of people[i] is person_rates[i].
    ADD COLUMN person_rates bigint[] NOT NULL DEFAULT '{}';

ALTER TABLE time_entries ADD COLUMN rate_cents bigint;
UPDATE time_entries e SET rate_cents = p.hourly_rate_cents
    FROM project_participants p WHERE p.id = e.participant_id;
ALTER TABLE time_entries ALTER COLUMN rate_cents SET NOT NULL,
    ADD CONSTRAINT time_entries_rate_cents CHECK (rate_cents >= 0);
