-- What trajectories knows of a company, from OrganisationRegistered.
CREATE TABLE organisations (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    sector text NOT NULL,
    name text NOT NULL,
    employee_count integer NOT NULL
);

CREATE TABLE trajectories (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    sector text NOT NULL,
    status text NOT NULL,
    -- The baseline scan it was proposed from: one trajectory per scan.
    assessment_id uuid UNIQUE,
    priority_dimension_ids jsonb NOT NULL DEFAULT '[]',
    coach_id text,
    cancel_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trajectories_region ON trajectories (region, id);
CREATE INDEX trajectories_organisation ON trajectories (organisation_id);

CREATE TABLE interventions (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    trajectory_id uuid NOT NULL REFERENCES trajectories (id),
    kind text NOT NULL,
    title text NOT NULL,
    description text NOT NULL,
    dimension_id text,
    planned_hours integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interventions_trajectory ON interventions (trajectory_id);

CREATE TABLE coaching_sessions (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    trajectory_id uuid NOT NULL REFERENCES trajectories (id),
    coach_id text NOT NULL,
    held_at timestamptz NOT NULL,
    duration_minutes integer NOT NULL,
    topic text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coaching_sessions_trajectory ON coaching_sessions (trajectory_id);

CREATE TABLE development_plans (
    id uuid PRIMARY KEY,
    participant_id uuid NOT NULL UNIQUE,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    erased_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE learning_goals (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    plan_id uuid NOT NULL REFERENCES development_plans (id),
    theme text NOT NULL,
    description text NOT NULL,
    -- The intake learning need it came from: one goal per need.
    need_id uuid UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX learning_goals_plan ON learning_goals (plan_id);

CREATE TABLE course_offerings (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    provider text NOT NULL,
    course_code text NOT NULL,
    title text NOT NULL,
    themes jsonb NOT NULL DEFAULT '[]',
    hours integer NOT NULL,
    price_cents bigint NOT NULL,
    start_times jsonb NOT NULL DEFAULT '[]',
    esco_skill_uris jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT course_offerings_code UNIQUE (region, provider, course_code)
);

CREATE TABLE learning_activities (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    plan_id uuid NOT NULL REFERENCES development_plans (id),
    goal_id uuid REFERENCES learning_goals (id) ON DELETE SET NULL,
    kind text NOT NULL,
    title text NOT NULL,
    provider text NOT NULL,
    theme text NOT NULL,
    offering_id uuid REFERENCES course_offerings (id),
    planned_hours integer NOT NULL,
    actual_hours integer,
    cost_cents bigint NOT NULL CHECK (cost_cents >= 0),
    status text NOT NULL,
    credential_name text,
    credential_issuer text,
    credential_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX learning_activities_plan ON learning_activities (plan_id);

-- One row per (region, source): locked while an allocation is checked, so parallel
-- allocations against one source are serialised and never overspend it.
CREATE TABLE funding_ledgers (
    region text NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (region, source)
);

CREATE TABLE funding_allocations (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    activity_id uuid NOT NULL REFERENCES learning_activities (id),
    participant_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    source text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX funding_allocations_source ON funding_allocations (region, source);
CREATE INDEX funding_allocations_activity ON funding_allocations (activity_id);
