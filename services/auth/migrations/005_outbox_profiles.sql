-- Progress keeps its own copy of every user's status, role and timezone (ARCHITECTURE.md flow 3);
-- the version grows with every change so that it can keep the newest and ignore late deliveries.
ALTER TABLE users ADD COLUMN profile_version integer NOT NULL DEFAULT 1 CHECK (profile_version >= 1);

-- One outbox for everything auth tells progress: login events and profile updates. A row is
-- written in the same transaction as the change it announces, so nothing is announced that did
-- not happen and nothing that happened goes unannounced.
ALTER TABLE login_outbox RENAME TO outbox;
ALTER TABLE outbox RENAME CONSTRAINT login_outbox_pkey TO outbox_pkey;
ALTER TABLE outbox RENAME CONSTRAINT login_outbox_user_id_fkey TO outbox_user_id_fkey;
ALTER TABLE outbox ADD COLUMN kind text NOT NULL DEFAULT 'login' CHECK (kind IN ('login', 'profile'));
ALTER TABLE outbox ALTER COLUMN kind DROP DEFAULT;

DROP INDEX login_outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (kind, next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_user_idx ON outbox (user_id);

-- Announce the users that exist already, so that progress learns every current ban.
INSERT INTO outbox (user_id, kind) SELECT id, 'profile' FROM users;
