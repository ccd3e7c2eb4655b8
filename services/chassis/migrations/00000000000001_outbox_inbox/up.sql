-- Transactional outbox: written in the same transaction as the state change,
-- relayed to RabbitMQ with publisher confirms.
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    seq bigserial NOT NULL UNIQUE,
    routing_key text NOT NULL,
    payload bytea NOT NULL,
    region text NOT NULL,
    traceparent text,
    tracestate text,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('llo_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbox: ids of the events a consumer applied, in the same transaction as the effects.
CREATE TABLE inbox (
    event_id uuid PRIMARY KEY,
    routing_key text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
