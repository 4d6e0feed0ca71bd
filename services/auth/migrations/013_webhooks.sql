-- Webhooks (api.md v1.2). Auth owns them: most event types are its own changes (ledger entries,
-- users, bans), and progress hands its completions and claims over through its outbox.
--
-- webhook_endpoints: a receiver. The signing secret must be usable to sign, so it is stored
-- encrypted (AES-256-GCM under WEBHOOK_SECRET_KEY), never in clear; during a rotation the previous
-- secret signs too until previous_secret_expires_at.
CREATE TABLE webhook_endpoints (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url                         text NOT NULL,
  events                      text[] NOT NULL CHECK (cardinality(events) > 0),
  description                 text NOT NULL DEFAULT '',
  enabled                     boolean NOT NULL DEFAULT true,
  disabled_reason             text NULL,
  secret_encrypted            text NOT NULL,
  previous_secret_encrypted   text NULL,
  previous_secret_expires_at  timestamptz NULL,
  -- When deliveries to it started failing without a success since (the 5-day disabling rule).
  failing_since               timestamptz NULL,
  created_by                  text NOT NULL,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  deleted_at                  timestamptz NULL
);
CREATE INDEX webhook_endpoints_live_idx ON webhook_endpoints (created_at) WHERE deleted_at IS NULL;

-- webhook_messages: one per event, written in the transaction of its cause; `id` is the
-- webhook-id every delivery of it carries (the receivers' de-duplication key).
CREATE TABLE webhook_messages (
  id          uuid PRIMARY KEY,
  type        text NOT NULL,
  -- The JSON body POSTed: {type, timestamp, data}, serialised once so every attempt sends the same bytes.
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- webhook_deliveries: one message to one endpoint; an outbox row (platform's sqlOutboxStore
-- columns), fanned out in the message's own transaction to the endpoints subscribed then.
CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id),
  message_id       uuid NOT NULL REFERENCES webhook_messages (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_until      timestamptz NULL,
  last_attempt_at  timestamptz NULL,
  delivered_at     timestamptz NULL,
  dead_at          timestamptz NULL,
  last_error       text NULL,
  last_status_code integer NULL,
  last_response    text NULL,
  UNIQUE (endpoint_id, message_id)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
