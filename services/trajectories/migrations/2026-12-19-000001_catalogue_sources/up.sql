-- Where an education provider publishes its catalogue over the Open Education API
-- (OOAPI v5), registered by a programme manager; a sync reads /courses under base_url.
CREATE TABLE catalogue_sources (
    region text NOT NULL,
    provider text NOT NULL,
    base_url text NOT NULL,
    default_themes text[] NOT NULL,
    update_time timestamptz NOT NULL DEFAULT now(),
    -- The scheduled sync: when it last started (a replica claims a due source by
    -- setting it) and what it reported.
    synced_at timestamptz,
    sync_summary text NOT NULL DEFAULT '',
    PRIMARY KEY (region, provider)
);
