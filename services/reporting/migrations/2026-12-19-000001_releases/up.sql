-- Releases: dated, numbered publications of a region's anonymised figures. Every answer
-- an evaluator or region-wide integrator can get (each view's overview and evaluation,
-- the funding, each company's progress, the report in each format) is computed once
-- when the programme manager publishes and kept here as served. Not read models: a
-- rebuild keeps them. Never changed once written: the triggers refuse it.
CREATE TABLE releases (
    region text NOT NULL,
    number integer NOT NULL CHECK (number > 0),
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    note text NOT NULL DEFAULT '',
    as_of timestamptz,
    min_group_size integer NOT NULL,
    sectors text[] NOT NULL,
    -- The companies its figures are about; a company that joined since is new to the next.
    organisation_ids uuid[] NOT NULL,
    -- Companies that had joined but were held back: too few people to be told apart by
    -- the difference from the release before.
    held_back integer NOT NULL,
    PRIMARY KEY (region, number)
);

CREATE TABLE release_answers (
    region text NOT NULL,
    number integer NOT NULL,
    -- What was asked: "overview", "evaluation/zorg-welzijn", "progress/<id>", "report.html".
    answer text NOT NULL,
    -- The protobuf-encoded response, or the report's file.
    body bytea NOT NULL,
    PRIMARY KEY (region, number, answer),
    FOREIGN KEY (region, number) REFERENCES releases (region, number)
);

CREATE FUNCTION refuse_release_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published release never changes (% on %)', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER releases_are_immutable BEFORE UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION refuse_release_change();
CREATE TRIGGER release_answers_are_immutable BEFORE UPDATE OR DELETE ON release_answers
    FOR EACH ROW EXECUTE FUNCTION refuse_release_change();
