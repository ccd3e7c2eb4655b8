-- One database per service, as in production. Runs once, when the volume is first created.
-- Only the services that exist; add llo_reporting with that service.
CREATE DATABASE llo_intake;
CREATE DATABASE llo_trajectories;
CREATE DATABASE llo_community;
