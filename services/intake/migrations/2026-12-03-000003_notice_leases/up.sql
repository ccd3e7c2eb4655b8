-- A sender claims due notices in a short transaction (their next_attempt_at moved to the end
-- of a lease, its token in `claim`), sends without holding a lock, and records the outcome
-- only while the claim is still its own: no transaction stays open across an SMTP exchange.
ALTER TABLE notices ADD COLUMN claim uuid;
