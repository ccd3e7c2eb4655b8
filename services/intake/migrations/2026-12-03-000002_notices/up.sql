-- E-mail notices (docs/notices.md): an outbox of composed messages, one per (source,
-- recipient, kind), so an event redelivered, replayed or published twice makes one notice.
CREATE TABLE notices (
    id uuid PRIMARY KEY,
    -- What caused it, e.g. `registration:<id>:booked`.
    source_key text NOT NULL,
    participant_id uuid NOT NULL REFERENCES participants (id),
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text NOT NULL,
    -- An iCalendar invitation (METHOD REQUEST or CANCEL), if any.
    ics text,
    -- pending, sent, failed
    state text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    CONSTRAINT notices_once UNIQUE (source_key, participant_id, kind)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notices_participant ON notices (participant_id);

-- The little intake keeps of a workshop, so that a notice and its invitation say when.
CREATE TABLE notice_workshops (
    workshop_id uuid PRIMARY KEY,
    region text NOT NULL,
    title text NOT NULL,
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    -- The iCalendar SEQUENCE of the invitation: raised with each change.
    sequence integer NOT NULL DEFAULT 0
);
