-- A place asked of a school over OOAPI v5 (an association) for a learning activity
-- planned from the school's offering, and the states the school reports for it. A
-- worker sends what is requested and follows what is open (`due_at`).
CREATE TABLE school_enrolments (
    activity_id uuid PRIMARY KEY REFERENCES learning_activities (id),
    region text NOT NULL,
    provider text NOT NULL,
    -- The school's id of the run (its OOAPI offeringId).
    run_id text NOT NULL,
    -- requested (not yet accepted by the school), pending, associated, queued, denied,
    -- canceled or completed.
    state text NOT NULL DEFAULT 'requested',
    association_id text,
    pass text NOT NULL DEFAULT '',
    score text NOT NULL DEFAULT '',
    -- Calls failed in a row, for the back-off; why the last one failed.
    failures integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    -- When the worker next sends or asks; a claim moves it on, so replicas share.
    due_at timestamptz NOT NULL DEFAULT now(),
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX school_enrolments_due ON school_enrolments (due_at)
    WHERE state IN ('requested', 'pending', 'associated', 'queued');
