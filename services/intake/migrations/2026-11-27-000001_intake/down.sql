DROP TABLE erasure_audit;
DROP TABLE learning_needs;
DROP TABLE assessment_answers;
DROP TABLE assessment_responses;
DROP TABLE assessments;
DROP TABLE participants;
DROP TABLE organisations;
