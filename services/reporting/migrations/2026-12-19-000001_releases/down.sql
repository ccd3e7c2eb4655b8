DROP TABLE release_answers;
DROP TABLE releases;
DROP FUNCTION refuse_release_change();
