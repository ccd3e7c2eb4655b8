ALTER TABLE workshops DROP COLUMN already_held;
