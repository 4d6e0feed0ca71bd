-- Login events waiting for delivery to progress; the row id is the event id, so a redelivery is
-- recognised there as a duplicate.
CREATE TABLE login_outbox (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id          uuid NOT NULL REFERENCES users (id),
  occurred_at      timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  last_error       text
);

CREATE INDEX login_outbox_pending_idx ON login_outbox (occurred_at) WHERE delivered_at IS NULL;
