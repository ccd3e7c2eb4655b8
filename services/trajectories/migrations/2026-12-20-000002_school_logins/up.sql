-- How the suite logs in to a school's OOAPI (OAuth 2.0 client credentials): token URL,
-- client id, scope and the name of the environment variable holding the secret; never
-- the secret itself. NULL: the school is called without a token.
ALTER TABLE catalogue_sources ADD COLUMN login jsonb;
