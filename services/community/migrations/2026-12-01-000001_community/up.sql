-- Dutch full-text search: unaccent in the mapping (an index cannot call unaccent()
-- itself, a text search configuration can), pg_trgm for parts of compound words.
-- Both are trusted extensions (PostgreSQL 13+), shipped with postgresql-contrib.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TEXT SEARCH CONFIGURATION llo_dutch (COPY = pg_catalog.dutch);
ALTER TEXT SEARCH CONFIGURATION llo_dutch
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;

-- Companies (from intake's OrganisationRegistered; member id = organisation id) and
-- partners (RegisterPartner). Organisation names only, never a person's.
CREATE TABLE members (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    member_type text NOT NULL,
    name text NOT NULL,
    organisation_id uuid UNIQUE,
    sector text,
    contact_role text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_region ON members (region, member_type, id);

-- The participants intake enrolled: ids only, so a registration can be checked.
CREATE TABLE participants (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    region text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at timestamptz
);

CREATE TABLE workshops (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    theme text NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    location text,
    online_url text,
    capacity integer NOT NULL CHECK (capacity > 0),
    seats_per_company integer CHECK (seats_per_company > 0),
    registration_closes_at timestamptz NOT NULL,
    host_member_id uuid NOT NULL REFERENCES members (id),
    status text NOT NULL,
    cancel_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    CHECK (starts_at < ends_at),
    CHECK (registration_closes_at <= starts_at),
    CHECK (location IS NOT NULL OR online_url IS NOT NULL)
);
CREATE INDEX workshops_region ON workshops (region, id);

-- Registrations and the wait list: `arrival` orders them (first come, first served);
-- it is taken while the workshop's row is locked, so it is the booking order.
CREATE TABLE registrations (
    id uuid PRIMARY KEY,
    workshop_id uuid NOT NULL REFERENCES workshops (id),
    -- NULL once the participant is erased.
    participant_id uuid,
    organisation_id uuid NOT NULL,
    status text NOT NULL,
    arrival bigserial NOT NULL,
    minutes_attended integer CHECK (minutes_attended >= 0),
    cancel_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_workshop ON registrations (workshop_id, status, arrival);
CREATE INDEX registrations_participant ON registrations (participant_id) WHERE participant_id IS NOT NULL;
-- One live registration per person and workshop.
CREATE UNIQUE INDEX registrations_once ON registrations (workshop_id, participant_id)
    WHERE status <> 'cancelled' AND participant_id IS NOT NULL;

-- Feedback, once per attendee; erasure blanks the comment, the rating stays.
CREATE TABLE feedback (
    id uuid PRIMARY KEY,
    registration_id uuid NOT NULL REFERENCES registrations (id),
    workshop_id uuid NOT NULL REFERENCES workshops (id),
    rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedback_once UNIQUE (registration_id)
);
CREATE INDEX feedback_workshop ON feedback (workshop_id);

CREATE TABLE knowledge_items (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    kind text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    themes text[] NOT NULL DEFAULT '{}',
    author_member_id uuid NOT NULL REFERENCES members (id),
    visibility text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Always the named configuration: the index and the queries agree on it.
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('llo_dutch'::regconfig, title), 'A')
        || setweight(to_tsvector('llo_dutch'::regconfig, body), 'B')
    ) STORED,
    -- For the trigram fallback (parts of compound words).
    search_text text GENERATED ALWAYS AS (lower(title || ' ' || body)) STORED
);
CREATE INDEX knowledge_items_document ON knowledge_items USING gin (document);
CREATE INDEX knowledge_items_trigrams ON knowledge_items USING gin (search_text gin_trgm_ops);
CREATE INDEX knowledge_items_region ON knowledge_items (region, id);
