-- GET /me/quests is kept rendered per user in each replica's memory (use-cases/quest-list-cache.ts).
-- Whether a remembered list is still the user's is asked of this table in the same statement that
-- reads the profile: a user's number is drawn anew from a sequence (so it never comes back) by every
-- statement that writes their quest states, in that statement's transaction — by triggers, so that
-- no writer of user_quests, present or future, can forget it while triggers fire. A table of its own
-- rather than a column of user_profiles: auth's profile pushes lock profile rows in their own order,
-- and event commits must not wait on them.
-- Not covered, so restart progress replicas after them: writes with triggers off
-- (session_replication_role = replica, pg_restore --disable-triggers, ALTER TABLE … DISABLE TRIGGER)
-- and a restore or failover that loses committed transactions (the sequence may hand out again
-- numbers a replica has seen). TRUNCATE is covered (every number is drawn anew).
-- No backfill: a user without a row reads as version 0, and a list read at 0 is never kept (their
-- first write inserts a number); filling the table here would hold the trigger's lock on
-- user_quests (every event waits) for as long as a scan of the whole table takes.
-- Rollback (stop the replicas running this code first; a progress without the cache never reads
-- these objects):
--   DROP TRIGGER user_quests_list_inserted ON user_quests;
--   DROP TRIGGER user_quests_list_updated ON user_quests;
--   DROP TRIGGER user_quests_list_deleted ON user_quests;
--   DROP TRIGGER user_quests_list_truncated ON user_quests;
--   DROP FUNCTION bump_quest_list_versions(); DROP FUNCTION bump_all_quest_list_versions();
--   DROP TABLE quest_list_versions; DROP SEQUENCE quest_list_version_seq;
--   DELETE FROM kysely_migration WHERE name = '010_quest_list_versions';
CREATE SEQUENCE quest_list_version_seq;

CREATE TABLE quest_list_versions (
  user_id uuid   PRIMARY KEY,
  version bigint NOT NULL
);

CREATE FUNCTION bump_quest_list_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In user id order: two statements that touch the same users lock their rows in the same order.
  INSERT INTO quest_list_versions (user_id, version)
  SELECT u.user_id, nextval('quest_list_version_seq')
  FROM (SELECT DISTINCT user_id FROM changed ORDER BY user_id) AS u
  ON CONFLICT (user_id) DO UPDATE SET version = excluded.version;
  RETURN NULL;
END
$$;

CREATE TRIGGER user_quests_list_inserted AFTER INSERT ON user_quests
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_quest_list_versions();
CREATE TRIGGER user_quests_list_updated AFTER UPDATE ON user_quests
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_quest_list_versions();
CREATE TRIGGER user_quests_list_deleted AFTER DELETE ON user_quests
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION bump_quest_list_versions();

CREATE FUNCTION bump_all_quest_list_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE quest_list_versions SET version = nextval('quest_list_version_seq');
  RETURN NULL;
END
$$;

CREATE TRIGGER user_quests_list_truncated AFTER TRUNCATE ON user_quests
  FOR EACH STATEMENT EXECUTE FUNCTION bump_all_quest_list_versions();
