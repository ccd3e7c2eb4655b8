DROP TABLE rm_project_costs; DROP TABLE rm_project_participants;
