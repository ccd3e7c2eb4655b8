-- The grant's books: the project plan (participants of the collaboration, their people,
-- rates and budget per work package) and the time ledger, the funder's evidence.
CREATE TABLE project_participants (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    key text NOT NULL,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('lead_applicant', 'company', 'partner')),
    organisation_id uuid,
    sme boolean NOT NULL,
    hourly_rate_cents bigint NOT NULL CHECK (hourly_rate_cents >= 0),
    people text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (region, key)
);

CREATE TABLE project_budget_lines (
    participant_id uuid NOT NULL REFERENCES project_participants (id) ON DELETE CASCADE,
    work_package text NOT NULL,
    planned_hours integer NOT NULL CHECK (planned_hours >= 0),
    planned_third_party_cents bigint NOT NULL CHECK (planned_third_party_cents >= 0),
    PRIMARY KEY (participant_id, work_package)
);

-- Append-only: hours are never edited; a correction is a new entry that reverses one.
-- Only the review (state, reviewer, time, reason) is written after the insert.
CREATE TABLE time_entries (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    participant_id uuid NOT NULL REFERENCES project_participants (id),
    person_id text NOT NULL,
    work_package text NOT NULL,
    day date NOT NULL,
    minutes integer NOT NULL CHECK (minutes <> 0 AND minutes BETWEEN -1440 AND 1440),
    note text NOT NULL,
    state text NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected')),
    reverses uuid UNIQUE REFERENCES time_entries (id),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    reviewed_by text,
    reviewed_at timestamptz,
    reason text NOT NULL DEFAULT ''
);
-- A person's day (the 24-hour rule) and a participant's entries (listing, realisation).
CREATE INDEX time_entries_person_day ON time_entries (region, person_id, day);
CREATE INDEX time_entries_participant ON time_entries (participant_id, id);
CREATE INDEX time_entries_region ON time_entries (region, id);

-- The books of a region are locked through a day once that period is accounted for.
CREATE TABLE locked_periods (
    region text PRIMARY KEY,
    through date NOT NULL,
    locked_by text NOT NULL,
    locked_at timestamptz NOT NULL
);
