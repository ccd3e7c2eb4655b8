DROP TABLE suppression_memory;
