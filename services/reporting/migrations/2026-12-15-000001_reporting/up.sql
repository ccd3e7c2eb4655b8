-- Reporting's own copy of every event it consumed (written in the consumer's
-- transaction, with the inbox row): the source every read model is rebuilt from.
-- Payloads are the protobuf bodies; erasure re-encodes them without free text.
CREATE TABLE events (
    event_id uuid PRIMARY KEY,
    routing_key text NOT NULL,
    region text NOT NULL,
    participant_id uuid,
    payload bytea NOT NULL,
    occur_time timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_order ON events (occur_time, event_id);
CREATE INDEX events_participant ON events (participant_id) WHERE participant_id IS NOT NULL;

-- Read models: one row per entity, keyed by the entity's id, merged so that the
-- result does not depend on the order or repetition of events (see README).
-- Organisation names are company names; no person's name or address is stored.
CREATE TABLE rm_organisations (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    sector text NOT NULL,
    name text NOT NULL,
    employee_count integer NOT NULL,
    version_time timestamptz NOT NULL
);

CREATE TABLE rm_participants (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    source text NOT NULL DEFAULT '',
    enrolled boolean NOT NULL DEFAULT false,
    erased boolean NOT NULL DEFAULT false
);

-- The latest completed scan per company and round (last writer by occur_time).
CREATE TABLE rm_scans (
    organisation_id uuid NOT NULL,
    round text NOT NULL,
    region text NOT NULL,
    sector text NOT NULL,
    assessment_id uuid NOT NULL,
    respondent_count integer NOT NULL,
    scores jsonb NOT NULL,
    version_time timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, round)
);

CREATE TABLE rm_trajectories (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    status text NOT NULL,
    status_rank integer NOT NULL,
    status_time timestamptz NOT NULL,
    coach_assigned boolean NOT NULL DEFAULT false
);

CREATE TABLE rm_interventions (
    id uuid PRIMARY KEY,
    trajectory_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    kind text NOT NULL,
    dimension_id text NOT NULL,
    planned_hours integer NOT NULL
);

CREATE TABLE rm_coaching_sessions (
    id uuid PRIMARY KEY,
    trajectory_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    duration_minutes integer NOT NULL
);

CREATE TABLE rm_development_plans (
    id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL
);

-- Planned and completed fill different columns, so either may come first.
CREATE TABLE rm_learning_activities (
    id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    kind text NOT NULL DEFAULT '',
    planned boolean NOT NULL DEFAULT false,
    planned_hours integer NOT NULL DEFAULT 0,
    cost_cents bigint NOT NULL DEFAULT 0,
    completed boolean NOT NULL DEFAULT false,
    actual_hours integer NOT NULL DEFAULT 0,
    credential_awarded boolean NOT NULL DEFAULT false,
    completed_time timestamptz
);

CREATE TABLE rm_funding_allocations (
    id uuid PRIMARY KEY,
    activity_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    source text NOT NULL,
    amount_cents bigint NOT NULL
);

CREATE TABLE rm_workshops (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    theme text NOT NULL DEFAULT '',
    start_time timestamptz,
    scheduled boolean NOT NULL DEFAULT false,
    cancelled boolean NOT NULL DEFAULT false
);

-- A registration's status is the last writer by occur_time (ties: the later state);
-- attendance (from WorkshopAttended) fills its own columns.
CREATE TABLE rm_registrations (
    id uuid PRIMARY KEY,
    workshop_id uuid NOT NULL,
    participant_id uuid,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    status text NOT NULL DEFAULT '',
    status_rank integer NOT NULL DEFAULT 0,
    status_time timestamptz,
    attendance text,
    hours_attended double precision NOT NULL DEFAULT 0,
    attended_time timestamptz
);

CREATE TABLE rm_knowledge_items (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    kind text NOT NULL
);
