CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username       text NOT NULL CHECK (char_length(username) BETWEEN 3 AND 32),
  password_hash  text NOT NULL,
  role           text NOT NULL DEFAULT 'player' CHECK (role IN ('player', 'admin')),
  status         text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'active', 'banned')),
  timezone       text NOT NULL DEFAULT 'UTC',
  xp             bigint NOT NULL DEFAULT 0 CHECK (xp >= 0),
  badges         text[] NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_login_at  timestamptz
);

-- Usernames are unique regardless of case; the index is what makes concurrent signups safe.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_admins_idx ON users (role) WHERE role = 'admin';
