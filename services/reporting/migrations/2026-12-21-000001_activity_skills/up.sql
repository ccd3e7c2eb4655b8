-- The ESCO skills of a completed course (LearningActivityCompleted.esco_skill_uris): the
-- evaluation's learning by skill. Skill URIs of the packs' lists, not personal data.
ALTER TABLE rm_learning_activities ADD COLUMN skill_uris text[] NOT NULL DEFAULT '{}';
