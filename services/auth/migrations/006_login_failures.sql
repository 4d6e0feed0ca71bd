-- Failed-login counters per username and per client IP, in fixed windows. They live in the
-- database (not in memory) so that every replica of auth counts the same attempts.
-- UNLOGGED: no WAL, so counting an attempt costs no disk flush. A crash (or a failover to a
-- standby) resets the counters, which only restarts the windows; nothing of value is lost.
CREATE UNLOGGED TABLE login_failures (
  scope         text NOT NULL CHECK (scope IN ('username', 'ip')),
  -- The lower-cased username, or the client IP address as text.
  key           text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 128),
  window_start  timestamptz NOT NULL DEFAULT now(),
  failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  PRIMARY KEY (scope, key)
);

-- Lets the sweeper delete expired windows without scanning the table.
CREATE INDEX login_failures_window_idx ON login_failures (window_start);
