DROP TABLE notice_workshops;
DROP TABLE notices;
