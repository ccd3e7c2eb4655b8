-- Retries are answered by the chassis' idempotent_requests table; these columns were no
-- longer written.
ALTER TABLE interventions DROP COLUMN request_id;
ALTER TABLE coaching_sessions DROP COLUMN request_id;
ALTER TABLE learning_goals DROP COLUMN request_id;
ALTER TABLE learning_activities DROP COLUMN request_id;
ALTER TABLE funding_allocations DROP COLUMN request_id;
