-- Third parties' invoices, borne by a participant, with the same review and lock as hours.
-- A correction is a credit note: an invoice of negative amounts that credits another.
CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    participant_id uuid NOT NULL REFERENCES project_participants (id),
    supplier text NOT NULL,
    number text NOT NULL,
    day date NOT NULL,
    excl_vat_cents bigint NOT NULL,
    incl_vat_cents bigint NOT NULL,
    work_package text NOT NULL,
    cost_type text NOT NULL,
    state text NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected')),
    credits uuid UNIQUE REFERENCES invoices (id),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL,
    reviewed_by text,
    reviewed_at timestamptz,
    reason text NOT NULL DEFAULT '',
    UNIQUE (region, supplier, number),
    CHECK (abs(incl_vat_cents) >= abs(excl_vat_cents) AND sign(incl_vat_cents) = sign(excl_vat_cents))
);
CREATE INDEX invoices_region ON invoices (region, id);
