-- Webhook messages progress causes (quest.completed, quest.claimed; api.md v1.2), written in the
-- transaction of the completion or the claim and handed to auth, which owns webhooks, by the
-- platform outbox relay (POST /internal/webhook-messages). `id` is the message's webhook-id,
-- derived from its cause, so a cause written again adds nothing and auth keeps one message per id.
-- A table of its own rather than a kind of grant_outbox: its rows go to auth in batches of one
-- request, while grants go one request per row, keyed by their idempotency key.
CREATE TABLE webhook_outbox (
  id              uuid        PRIMARY KEY,
  type            text        NOT NULL,
  -- The event's data without externalUserId (auth fills it in), and when the cause happened.
  data            jsonb       NOT NULL,
  occurred_at     timestamptz NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz NULL,
  last_attempt_at timestamptz NULL,
  delivered_at    timestamptz NULL,
  dead_at         timestamptz NULL,
  last_error      text        NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX webhook_outbox_pending_age ON webhook_outbox (created_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
