-- The webhook relay claims no delivery of an endpoint that has deliveries in flight (leased), so a
-- receiver that hangs holds at most one batch, and the relay's other lanes serve the other
-- endpoints meanwhile. Leased rows are few (a settled row's lease is cleared): this index finds them.
CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (endpoint_id)
  WHERE lease_until IS NOT NULL AND delivered_at IS NULL AND dead_at IS NULL;
