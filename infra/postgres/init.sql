-- One database per service, as in production. Runs once, when the volume is first created.
-- Only the services that exist; add llo_community and llo_reporting with those services.
CREATE DATABASE llo_intake;
CREATE DATABASE llo_trajectories;
