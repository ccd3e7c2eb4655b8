DROP TABLE knowledge_items;
DROP TABLE feedback;
DROP TABLE registrations;
DROP TABLE workshops;
DROP TABLE participants;
DROP TABLE members;
DROP TEXT SEARCH CONFIGURATION llo_dutch;
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS unaccent;
