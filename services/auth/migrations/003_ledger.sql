CREATE TABLE balances (
  user_id   uuid NOT NULL REFERENCES users (id),
  currency  text NOT NULL,
  amount    bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),
  PRIMARY KEY (user_id, currency)
);

-- One row per idempotency key: the unique key is what makes a retried or raced grant pay once.
CREATE TABLE grants (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  idempotency_key  text NOT NULL UNIQUE,
  user_id          uuid NOT NULL REFERENCES users (id),
  -- sha256 of what was asked for, so a key reused for a different admin grant can be refused.
  request_hash     text NOT NULL,
  xp               bigint NOT NULL DEFAULT 0,
  badge            text,
  granted_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  grant_id         uuid NOT NULL REFERENCES grants (id),
  user_id          uuid NOT NULL REFERENCES users (id),
  currency         text NOT NULL,
  amount           bigint NOT NULL,
  reason           text NOT NULL,
  source_type      text NOT NULL CHECK (source_type IN ('quest', 'admin')),
  quest_key        text,
  completion       integer,
  idempotency_key  text NOT NULL,
  -- Orders the entries of one grant (they share created_at).
  position         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ledger_entries_user_idx ON ledger_entries (user_id, created_at DESC, id DESC);
CREATE INDEX ledger_entries_grant_idx ON ledger_entries (grant_id, position);

-- The ledger is the audit trail of every payment: rows are never rewritten or removed.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$;

CREATE TRIGGER ledger_entries_no_update_delete
  BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
