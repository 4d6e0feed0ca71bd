-- The zone the last completed period of a repeating quest was completed in: with last_completed_period
-- it names an interval of real time, so a period of another zone that overlaps it is not completable
-- again (README, "Timezone-fair periods"). NULL for rows stored before it was recorded (compared by key).
ALTER TABLE user_quests ADD COLUMN completed_period_zone text NULL;
