ALTER TABLE time_entries DROP COLUMN rate_cents;
ALTER TABLE project_participants DROP COLUMN person_rates, DROP COLUMN rate_method;
