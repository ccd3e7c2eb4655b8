CREATE TABLE applied (event_id uuid PRIMARY KEY, routing_key text NOT NULL);
