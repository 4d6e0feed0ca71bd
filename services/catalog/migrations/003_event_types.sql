-- Declared event types (api.md v1.1 "Events from servers, and who may report what"): which types
-- players may report for themselves, the largest value they may send and how many a day. A type
-- with no row here is server-only. Changes bump catalog_revision: progress gets them in its feed.
CREATE TABLE event_types (
  type               text PRIMARY KEY CHECK (type ~ '^[a-z0-9][a-z0-9_.:-]*$' AND length(type) <= 64),
  description        text NOT NULL DEFAULT '',
  player_reportable  boolean NOT NULL DEFAULT false,
  max_value          integer NULL CHECK (max_value IS NULL OR max_value >= 1),
  player_daily_limit integer NULL CHECK (player_daily_limit IS NULL OR player_daily_limit >= 1),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- auth emits login itself; a player-reportable login would let anyone farm login quests.
  CONSTRAINT event_types_login_reserved CHECK (NOT (type = 'login' AND player_reportable))
);
