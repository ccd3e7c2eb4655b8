ALTER TABLE course_offerings DROP CONSTRAINT course_offerings_start_times_range;
ALTER TABLE course_offerings ADD COLUMN start_text jsonb NOT NULL DEFAULT '[]';
UPDATE course_offerings SET start_text = COALESCE((
    SELECT jsonb_agg(to_char(s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ORDER BY s)
    FROM unnest(start_times) AS s
), '[]');
ALTER TABLE course_offerings DROP COLUMN start_times;
ALTER TABLE course_offerings RENAME COLUMN start_text TO start_times;
ALTER TABLE course_offerings ALTER COLUMN start_times DROP DEFAULT;
