DROP TABLE notice_registrations;
