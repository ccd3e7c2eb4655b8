ALTER TABLE notice_workshops DROP COLUMN online_url;
ALTER TABLE notice_workshops DROP COLUMN location;
