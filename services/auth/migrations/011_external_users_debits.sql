-- Users a product names by its own id (api.md v1.1, "Your own users"). NULL for users who signed up
-- here; unique when set, which is what makes concurrent upserts of one new id create one user.
ALTER TABLE users ADD COLUMN external_id text UNIQUE
  CONSTRAINT users_external_id_format CHECK (external_id ~ '^[A-Za-z0-9_.:@-]{1,128}$');

-- A user created by external id has no password: the product logs its players in itself and mints
-- their sessions. A NULL hash never verifies (login checks it against the dummy hash, like an
-- unknown user).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- Debits are ledger entries of their own kind, claimed by a key in `grants` like every payment (the
-- table is the set of idempotent ledger operations), and always negative: the sign check is
-- limited to debits so that no entry written before this migration can fail it.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_source_type_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_source_type_check CHECK (source_type IN ('quest', 'admin', 'debit'));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_debit_negative CHECK (source_type <> 'debit' OR amount < 0);

-- Who ordered a grant or a debit, as the audit names it (`user:<id>` or `key:<id>`): granted_by is a
-- user id and cannot name an API key. NULL for quest rewards.
ALTER TABLE grants ADD COLUMN actor text;
