-- The relay leases rows instead of holding row locks across its HTTP calls: a claim sets
-- lease_until, and a relay that dies mid-delivery leaves rows that are due again once it passes.
-- A refusal progress says is final (a login event it cannot store) marks the row dead, with the
-- error in last_error, instead of retrying it forever. last_attempt_at: when the latest attempt
-- was claimed (for operators and for measuring delivery lag).
ALTER TABLE outbox ADD COLUMN lease_until timestamptz NULL;
ALTER TABLE outbox ADD COLUMN dead_at timestamptz NULL;
ALTER TABLE outbox ADD COLUMN last_attempt_at timestamptz NULL;

DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (kind, next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead_idx ON outbox (kind) WHERE dead_at IS NOT NULL;
