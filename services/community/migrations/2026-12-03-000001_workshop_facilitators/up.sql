-- The people who run a workshop (ids, never names): the grant's books propose their time.
ALTER TABLE workshops ADD COLUMN facilitator_ids text[] NOT NULL DEFAULT '{}';
