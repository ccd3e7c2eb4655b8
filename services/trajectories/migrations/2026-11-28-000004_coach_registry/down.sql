DROP INDEX trajectories_coach_open;
DROP TABLE coaches;
