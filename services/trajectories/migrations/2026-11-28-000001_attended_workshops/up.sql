-- A workshop attended in the learning community becomes a completed activity of kind
-- workshop; the community's registration id keeps it to one activity per attendance.
ALTER TABLE learning_activities ADD COLUMN attended_registration_id uuid UNIQUE;
