ALTER TABLE course_offerings
    DROP COLUMN runs,
    DROP COLUMN teaching_language,
    DROP COLUMN modes_of_delivery;
