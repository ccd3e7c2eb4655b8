-- The grant's books as reporting sees them. A project participant's plan: the latest
-- ProjectParticipantSet by occur time wins (budget: [{work_package, planned_cents}]).
-- Each approved cost (ProjectCostApproved) once: hours at the rate they were recorded
-- at, or an invoice with VAT; reversals and credit notes are negative. No person.
CREATE TABLE rm_project_participants (
    region text NOT NULL,
    participant text NOT NULL,
    sme boolean NOT NULL,
    budget jsonb NOT NULL,
    set_time timestamptz NOT NULL,
    PRIMARY KEY (region, participant)
);

CREATE TABLE rm_project_costs (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    participant text NOT NULL,
    work_package text NOT NULL,
    cost_type text NOT NULL,
    minutes bigint NOT NULL,
    hourly_rate_cents bigint NOT NULL,
    invoiced_cents bigint NOT NULL,
    cost_date date NOT NULL
);
CREATE INDEX rm_project_costs_region ON rm_project_costs (region);
