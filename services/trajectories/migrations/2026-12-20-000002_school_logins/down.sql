ALTER TABLE catalogue_sources DROP COLUMN login;
