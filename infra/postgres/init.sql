-- One database per service, as in production. Runs once, when the volume is first created.
CREATE DATABASE llo_intake;
CREATE DATABASE llo_trajectories;
CREATE DATABASE llo_community;
CREATE DATABASE llo_reporting;
