DROP TABLE status_lists;
DROP TABLE credentials;
