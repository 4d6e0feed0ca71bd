-- Every event ever accepted; the primary key makes ingestion idempotent forever.
CREATE TABLE events (
  user_id     uuid        NOT NULL,
  id          text        NOT NULL,
  type        text        NOT NULL,
  value       bigint      NULL,
  attributes  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, id)
);

-- One row per user and quest that has seen at least one relevant event.
CREATE TABLE user_quests (
  user_id               uuid        NOT NULL,
  quest_key             text        NOT NULL,
  progress              bigint      NOT NULL DEFAULT 0,
  period_key            text        NULL,
  completions           integer     NOT NULL DEFAULT 0,
  claimed               integer     NOT NULL DEFAULT 0,
  last_completed_period text        NULL,
  streak_current        integer     NOT NULL DEFAULT 0,
  streak_best           integer     NOT NULL DEFAULT 0,
  streak_last_day       date        NULL,
  quest_version         integer     NOT NULL,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, quest_key),
  CONSTRAINT user_quests_claimed_le_completions CHECK (claimed >= 0 AND claimed <= completions)
);

-- Each completion is numbered per user and quest; the number is part of the grant's idempotency key.
-- The reward is a snapshot taken at completion time, so editing the quest later never changes what was earned.
CREATE TABLE completions (
  user_id       uuid        NOT NULL,
  quest_key     text        NOT NULL,
  number        integer     NOT NULL CHECK (number >= 1),
  quest_version integer     NOT NULL,
  reward        jsonb       NOT NULL,
  completed_at  timestamptz NOT NULL,
  claimed_at    timestamptz NULL,
  PRIMARY KEY (user_id, quest_key, number)
);

CREATE INDEX completions_unclaimed ON completions (user_id, quest_key) WHERE claimed_at IS NULL;

-- Rewards to pay in auth; written in the same transaction as the completion or claim.
CREATE TABLE grant_outbox (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid        NOT NULL,
  quest_key       text        NOT NULL,
  completion      integer     NOT NULL,
  idempotency_key text        NOT NULL UNIQUE,
  payload         jsonb       NOT NULL,
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz NULL,
  last_error      text        NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX grant_outbox_due ON grant_outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX grant_outbox_pending_age ON grant_outbox (created_at) WHERE delivered_at IS NULL;
