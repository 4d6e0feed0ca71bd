-- The relay leases grants instead of holding row locks across its HTTP calls: a claim sets
-- lease_until, and a relay that dies mid-delivery leaves rows that are due again once it passes.
-- A grant for a user auth does not have (404 UNKNOWN_USER) is marked dead, with the error in
-- last_error, instead of being retried forever. last_attempt_at: when the latest attempt was
-- claimed (for operators and for measuring delivery lag).
ALTER TABLE grant_outbox ADD COLUMN lease_until timestamptz NULL;
ALTER TABLE grant_outbox ADD COLUMN dead_at timestamptz NULL;
ALTER TABLE grant_outbox ADD COLUMN last_attempt_at timestamptz NULL;

DROP INDEX grant_outbox_due;
DROP INDEX grant_outbox_pending_age;
CREATE INDEX grant_outbox_due ON grant_outbox (next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX grant_outbox_pending_age ON grant_outbox (created_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX grant_outbox_dead ON grant_outbox (created_at) WHERE dead_at IS NOT NULL;
