-- Skills: the ESCO skills a learning goal is about (URIs of the sector pack's skills list;
-- not personal, so they stay when a participant is erased), and the knowledge library's
-- Dutch search (unaccent in the mapping, pg_trgm for parts of words) for SearchSkills.
ALTER TABLE learning_goals ADD COLUMN skill_uris text[] NOT NULL DEFAULT '{}';

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TEXT SEARCH CONFIGURATION llo_dutch (COPY = pg_catalog.dutch);
ALTER TEXT SEARCH CONFIGURATION llo_dutch
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;
