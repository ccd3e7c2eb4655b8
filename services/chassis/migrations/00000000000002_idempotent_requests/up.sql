-- AIP-155 request ids: the first answer to a caller's mutating call, kept so that a
-- retry with the same id gets it again instead of doing the work twice.
CREATE TABLE idempotent_requests (
    key text PRIMARY KEY,          -- caller subject, U+001F, request_id
    method text NOT NULL,
    request bytea NOT NULL,        -- the encoded request: a reused id with another request is refused
    response bytea,                -- NULL while the first call is still running
    about uuid,                    -- the person the call concerns, so erasure can forget it
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotent_requests_about ON idempotent_requests (about) WHERE about IS NOT NULL;
