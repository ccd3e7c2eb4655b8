-- Open Badges 3.0 credentials issued for completed learning (docs/credentials.md).
-- One per learning activity: a redelivered or re-published completion issues nothing new.
CREATE TABLE credentials (
    id uuid PRIMARY KEY,
    -- NULL once the participant was erased: the issuer forgets the person, the credential
    -- (its id, status bit and revocation) stays so the holder's copy still verifies.
    participant_id uuid REFERENCES participants (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    region text NOT NULL,
    activity_id uuid NOT NULL UNIQUE,
    achievement_name text NOT NULL,
    -- The signed VC-JWT; NULL after erasure.
    jwt text,
    key_id text NOT NULL,
    status_index integer NOT NULL CHECK (status_index >= 0),
    issue_time timestamptz NOT NULL,
    revoked_at timestamptz,
    revoke_reason text NOT NULL DEFAULT '',
    CONSTRAINT credentials_status_index UNIQUE (region, status_index)
);
CREATE INDEX credentials_participant ON credentials (participant_id, id);

-- How many credentials each region's revocation status list has taken (its indexes are
-- chosen at random below a capacity that grows with it); the row is also the lock that
-- makes one region's issues take their indexes in turn.
CREATE TABLE status_lists (
    region text PRIMARY KEY,
    next_index integer NOT NULL
);
