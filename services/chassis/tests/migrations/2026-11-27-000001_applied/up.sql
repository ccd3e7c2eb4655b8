-- No key on the event id: a second application of the same event would show as a
-- second row, so the inbox alone must prevent it.
CREATE TABLE applied (id bigserial PRIMARY KEY, event_id uuid NOT NULL, routing_key text NOT NULL);
