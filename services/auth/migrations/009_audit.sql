-- The accounts audit (api.md v1.1): who created or revoked an API key, debited a wallet, granted,
-- banned or changed a role. actor_id is `user:<id>` or `key:<id>`; details never hold a secret.
CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id   text NOT NULL,
  action     text NOT NULL,
  entity     text NOT NULL,
  entity_key text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_key, id DESC);
