-- What a provider tells of a course's runs besides their starts (ends, enrolment
-- windows, its own ids), the teaching language and the modes of delivery, as OOAPI
-- catalogues carry them.
ALTER TABLE course_offerings
    ADD COLUMN runs jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN teaching_language text NOT NULL DEFAULT '',
    ADD COLUMN modes_of_delivery jsonb NOT NULL DEFAULT '[]';
