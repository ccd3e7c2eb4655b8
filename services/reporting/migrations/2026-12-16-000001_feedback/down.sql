DROP TABLE rm_feedback;
