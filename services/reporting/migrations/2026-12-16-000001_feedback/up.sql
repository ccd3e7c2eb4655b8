-- Workshop ratings (WorkshopFeedbackSubmitted): a fact per feedback, inserted once. The
-- comment never leaves community; the rating stays after an erasure (averages still add up).
CREATE TABLE rm_feedback (
    id uuid PRIMARY KEY,
    region text NOT NULL,
    registration_id uuid NOT NULL,
    workshop_id uuid NOT NULL,
    participant_id uuid,
    organisation_id uuid NOT NULL,
    rating integer NOT NULL
);
CREATE INDEX rm_feedback_region ON rm_feedback (region);
