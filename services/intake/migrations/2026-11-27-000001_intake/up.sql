CREATE TABLE organisations (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    region text NOT NULL,
    sector text NOT NULL,
    name text NOT NULL,
    kvk_number text NOT NULL,
    municipality text NOT NULL,
    employee_count integer NOT NULL CHECK (employee_count > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_region_kvk UNIQUE (region, kvk_number)
);
CREATE INDEX organisations_region ON organisations (region, id);

-- The only table with names and e-mail addresses; erasure nulls them.
CREATE TABLE participants (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    given_name text,
    family_name text,
    email text,
    role text NOT NULL,
    job_title text,
    consent_given boolean NOT NULL,
    consent_at timestamptz,
    source text NOT NULL,
    uwv_reference text,
    -- Who imported the row (token subject) and under which of their references.
    import_source text,
    external_reference text,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz,
    CONSTRAINT participants_import_reference UNIQUE (import_source, external_reference)
);
CREATE INDEX participants_organisation ON participants (organisation_id, id);
CREATE UNIQUE INDEX participants_email ON participants (organisation_id, lower(email)) WHERE erased_at IS NULL;

CREATE TABLE assessments (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    round text NOT NULL,
    status text NOT NULL,
    sector text NOT NULL,
    priority_needs jsonb NOT NULL DEFAULT '[]',
    results jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CONSTRAINT assessments_organisation_round UNIQUE (organisation_id, round)
);

CREATE TABLE assessment_responses (
    id uuid PRIMARY KEY,
    request_id text UNIQUE,
    assessment_id uuid NOT NULL REFERENCES assessments (id),
    participant_id uuid NOT NULL REFERENCES participants (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assessment_responses_once UNIQUE (assessment_id, participant_id)
);

CREATE TABLE assessment_answers (
    response_id uuid NOT NULL REFERENCES assessment_responses (id),
    item_id text NOT NULL,
    score integer NOT NULL,
    PRIMARY KEY (response_id, item_id)
);

CREATE TABLE learning_needs (
    id uuid PRIMARY KEY,
    participant_id uuid NOT NULL REFERENCES participants (id),
    request_id text,
    theme text NOT NULL,
    description text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX learning_needs_participant ON learning_needs (participant_id);
CREATE INDEX learning_needs_request ON learning_needs (request_id) WHERE request_id IS NOT NULL;

-- Who erased whom and when; never the erased data itself.
CREATE TABLE erasure_audit (
    id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    erased_by text NOT NULL,
    reason text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now()
);
