ALTER TABLE workshops DROP COLUMN facilitator_ids;
