DROP TABLE school_enrolments;
