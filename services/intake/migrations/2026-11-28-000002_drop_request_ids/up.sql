-- Retries are answered by the chassis' idempotent_requests table; these columns were no
-- longer written.
DROP INDEX learning_needs_request;
ALTER TABLE organisations DROP COLUMN request_id;
ALTER TABLE participants DROP COLUMN request_id;
ALTER TABLE assessments DROP COLUMN request_id;
ALTER TABLE assessment_responses DROP COLUMN request_id;
ALTER TABLE learning_needs DROP COLUMN request_id;
