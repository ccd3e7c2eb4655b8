-- Start times as timestamps, not RFC 3339 text in JSON: a filter over them compares
-- timestamps and cannot fail on a stored value (a year 10000 in the text made every
-- filtered listing fail). Only values between 2000 and 2100, what the API accepts, are
-- carried over.
ALTER TABLE course_offerings ADD COLUMN start_at timestamptz[] NOT NULL DEFAULT '{}';
UPDATE course_offerings SET start_at = ARRAY(
    SELECT s::timestamptz
    FROM jsonb_array_elements_text(start_times) AS s
    WHERE s ~ '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T'
    ORDER BY 1
);
ALTER TABLE course_offerings DROP COLUMN start_times;
ALTER TABLE course_offerings RENAME COLUMN start_at TO start_times;
ALTER TABLE course_offerings ALTER COLUMN start_times DROP DEFAULT;
-- Whoever writes: nothing outside what the API accepts is stored, so every stored value
-- can be read back (a year beyond 262143 is a timestamp to PostgreSQL, not to Rust).
ALTER TABLE course_offerings ADD CONSTRAINT course_offerings_start_times_range CHECK (
    '2000-01-01T00:00:00Z'::timestamptz <= ALL (start_times)
    AND '2100-01-01T00:00:00Z'::timestamptz > ALL (start_times)
);
