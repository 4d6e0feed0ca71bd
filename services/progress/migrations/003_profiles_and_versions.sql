-- Users as progress knows them: auth pushes every change (its outbox → POST /internal/users/:id/profile);
-- the highest version wins. Version 0 marks an answer fetched once from GET /internal/users/:id, so any
-- real update replaces it.
CREATE TABLE user_profiles (
  id         uuid        PRIMARY KEY,
  role       text        NOT NULL CHECK (role IN ('player', 'admin')),
  status     text        NOT NULL CHECK (status IN ('new', 'active', 'banned')),
  timezone   text        NOT NULL,
  version    bigint      NOT NULL CHECK (version >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The timezone an event's local day was computed in (the user's when it was ingested), so a later
-- replay places it in the same day. NULL for events stored before this column existed.
ALTER TABLE events ADD COLUMN zone text NULL;

-- The zone the streak's last day was counted in (decides whether a timezone change left a gap).
ALTER TABLE user_quests ADD COLUMN streak_zone text NULL;
-- What the in-progress counter counts ({event, mode, filter} as canonical JSON); a new quest version with
-- a different objective restarts the counter. NULL for rows stored before this column existed.
ALTER TABLE user_quests ADD COLUMN objective_sig text NULL;
-- The counter counts events received from this instant on (the row's creation or the last objective
-- change): a replay never recounts events that arrived before the quest, or its current objective, existed.
ALTER TABLE user_quests ADD COLUMN counting_since timestamptz NULL;
-- Completions already recorded when counting_since was set: a replay starts from there, so completions
-- earned under an earlier objective are neither recounted nor renumbered.
ALTER TABLE user_quests ADD COLUMN counting_base integer NOT NULL DEFAULT 0;
