ALTER TABLE interventions ADD COLUMN request_id text UNIQUE;
ALTER TABLE coaching_sessions ADD COLUMN request_id text UNIQUE;
ALTER TABLE learning_goals ADD COLUMN request_id text UNIQUE;
ALTER TABLE learning_activities ADD COLUMN request_id text UNIQUE;
ALTER TABLE funding_allocations ADD COLUMN request_id text UNIQUE;
