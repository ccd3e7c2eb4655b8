DROP TABLE catalogue_sources;
