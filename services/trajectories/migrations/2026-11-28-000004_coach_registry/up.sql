-- The coach registry: who may be assigned to a region's trajectories. `subject` is the
-- coach's token subject (trajectories.coach_id holds the same value).
CREATE TABLE coaches (
    id uuid PRIMARY KEY,
    subject text NOT NULL UNIQUE,
    name text NOT NULL,
    organisation_name text NOT NULL,
    email text,
    regions text[] NOT NULL CHECK (cardinality(regions) > 0),
    registered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX coaches_regions ON coaches USING gin (regions);
-- ListCoaches counts each coach's open trajectories.
CREATE INDEX trajectories_coach_open ON trajectories (coach_id)
    WHERE status IN ('proposed', 'active');
