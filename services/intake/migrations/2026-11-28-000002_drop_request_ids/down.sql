ALTER TABLE organisations ADD COLUMN request_id text UNIQUE;
ALTER TABLE participants ADD COLUMN request_id text UNIQUE;
ALTER TABLE assessments ADD COLUMN request_id text UNIQUE;
ALTER TABLE assessment_responses ADD COLUMN request_id text UNIQUE;
ALTER TABLE learning_needs ADD COLUMN request_id text;
CREATE INDEX learning_needs_request ON learning_needs (request_id) WHERE request_id IS NOT NULL;
