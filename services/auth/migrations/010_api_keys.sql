-- API keys (api.md v1.1): a product's servers call Questline with `qlk_<prefix>_<secret>`. Only a
-- keyed hash of the whole secret is stored (README.md, "API keys"); the prefix is its public handle
-- and how a presented secret finds its row.
CREATE TABLE api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  prefix       text NOT NULL UNIQUE CHECK (prefix ~ '^[A-Za-z0-9]{8}$'),
  -- HMAC-SHA256 of the secret, keyed with API_KEY_HASH_SECRET.
  secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
  scopes       text[] NOT NULL CHECK (cardinality(scopes) > 0),
  -- `user:<id>` of the admin who created it.
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Kept to the minute: one write per key per minute at most, whatever the traffic.
  last_used_at timestamptz,
  revoked_at   timestamptz
);
-- The admin list pages newest first.
CREATE INDEX api_keys_created_idx ON api_keys (created_at DESC, id DESC);
