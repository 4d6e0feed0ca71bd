-- The zone the period in progress (period_key) is a period of: after a timezone change that period
-- goes on until its real-time end, so events during it count toward it whatever the date is in the
-- new zone (README, "Timezone-fair periods"). NULL for rows stored before it was recorded (compared by key).
ALTER TABLE user_quests ADD COLUMN period_zone text NULL;
