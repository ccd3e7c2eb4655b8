-- What intake keeps of each workshop registration it heard of, so that a reminder goes to
-- the people still booked shortly before the start (docs/notices.md), and once.
CREATE TABLE notice_registrations (
    registration_id uuid PRIMARY KEY,
    workshop_id uuid NOT NULL,
    participant_id uuid NOT NULL REFERENCES participants (id),
    region text NOT NULL,
    -- booked, wait_listed, cancelled, attended (the registration's last status)
    status text NOT NULL,
    -- When it was (last) booked: a booking made inside the reminder's lead time gets none.
    booked_at timestamptz,
    reminded_at timestamptz
);
CREATE INDEX notice_registrations_to_remind ON notice_registrations (workshop_id)
    WHERE status = 'booked' AND reminded_at IS NULL;
CREATE INDEX notice_registrations_participant ON notice_registrations (participant_id);
