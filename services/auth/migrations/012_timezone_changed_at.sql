-- When the player last changed their own timezone (PATCH /api/v1/me): a player may change it at most
-- once per 24 hours (api.md v1.1 "Timezone changes"). Admins' and servers' changes do not set it.
-- NULL: never changed by the player.
ALTER TABLE users ADD COLUMN timezone_changed_at timestamptz NULL;
