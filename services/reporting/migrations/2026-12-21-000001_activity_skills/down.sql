ALTER TABLE rm_learning_activities DROP COLUMN skill_uris;
