-- One-time tickets for the live stream (api.md v1.2, GET /api/v1/me/stream?ticket=): a ticket goes
-- in a URL, and URLs end up in logs, so it works once and for 30 seconds. Only its SHA-256 is kept
-- (a 256-bit random secret needs no slow or keyed hash). Redeeming deletes the row.
CREATE TABLE stream_tickets (
  ticket_hash bytea PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_expires_at ON stream_tickets (expires_at);
