-- The throttle counts failed logins per (username, client address) and per address, which refuse
-- further attempts until the window ends, and per username alone, which only spaces attempts out
-- (an exponential delay past an allowance) so that nobody can lock an account's owner out.
-- Columns are only added, so replicas still running the previous code keep working during a rollout.
ALTER TABLE login_failures DROP CONSTRAINT login_failures_scope_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_scope_check CHECK (scope IN ('username', 'ip', 'username_ip'));

-- A 'username_ip' key is the address, a '|' and the lower-cased username: longer than either alone.
ALTER TABLE login_failures DROP CONSTRAINT login_failures_key_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_key_check CHECK (char_length(key) BETWEEN 1 AND 256);

-- When the last counted attempt began: the per-username delay is measured from it.
ALTER TABLE login_failures ADD COLUMN last_attempt_at timestamptz NOT NULL DEFAULT now();
