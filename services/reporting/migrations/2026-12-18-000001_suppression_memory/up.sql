-- What anonymised answers have hidden, per region: a company's row of a table
-- ("participation/<id>") or a view's figure ("care:overview/employees_reached"). A cell
-- once hidden stays hidden in later answers, so that two answers apart in time cannot be
-- subtracted to give it back. Not a read model: a rebuild keeps it.
CREATE TABLE suppression_memory (
    region text NOT NULL,
    cell_key text NOT NULL,
    hidden_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (region, cell_key)
);
