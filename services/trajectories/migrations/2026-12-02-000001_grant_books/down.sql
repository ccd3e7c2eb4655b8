DROP TABLE locked_periods;
DROP TABLE time_entries;
DROP TABLE project_budget_lines;
DROP TABLE project_participants;
