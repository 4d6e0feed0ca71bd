-- Catalog: currencies, rewards, quests, the published-set revision and the admin audit trail.

CREATE TABLE currencies (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_-]*$' AND length(code) <= 32),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rewards (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL,
  xp         integer NOT NULL DEFAULT 0 CHECK (xp >= 0),
  badge      text NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Items as rows (not jsonb) so that the currency is a real foreign key.
CREATE TABLE reward_items (
  reward_id uuid NOT NULL REFERENCES rewards (id) ON DELETE CASCADE,
  position  integer NOT NULL,
  currency  text NOT NULL REFERENCES currencies (code),
  amount    integer NOT NULL CHECK (amount > 0),
  PRIMARY KEY (reward_id, position),
  CONSTRAINT reward_items_currency_unique UNIQUE (reward_id, currency)
);

CREATE TABLE quests (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key             text NOT NULL CONSTRAINT quests_key_unique UNIQUE
                  CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(key) <= 64),
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  tags            text[] NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  objective       jsonb NOT NULL,
  -- RESTRICT: a reward referenced by any quest (whatever its status) cannot disappear.
  reward_id       uuid NOT NULL REFERENCES rewards (id) ON DELETE RESTRICT,
  auto_claim      boolean NOT NULL DEFAULT false,
  max_completions integer NULL CHECK (max_completions IS NULL OR max_completions > 0),
  repeat          text NOT NULL DEFAULT 'none' CHECK (repeat IN ('none', 'daily', 'weekly')),
  starts_at       timestamptz NULL,
  ends_at         timestamptz NULL,
  prerequisites   text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
);

CREATE INDEX quests_status_key_idx ON quests (status, key);
CREATE INDEX quests_reward_id_idx ON quests (reward_id);
CREATE INDEX quests_tags_idx ON quests USING gin (tags);

-- One row; bumped in the same transaction as every change to the published set, so that
-- progress can poll it cheaply (ETag) and never miss a change.
CREATE TABLE catalog_revision (
  id       boolean PRIMARY KEY DEFAULT true CHECK (id),
  revision bigint NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (true, 0);

CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_id   text NOT NULL,
  action     text NOT NULL,
  entity     text NOT NULL,
  entity_key text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, id DESC);
