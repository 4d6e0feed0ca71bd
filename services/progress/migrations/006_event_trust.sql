-- Players' own events per (user, type, local day), for the declared playerDailyLimit (api.md v1.1).
-- Written in the transaction that stores the event, under the user's advisory lock, and only for
-- events actually stored: a duplicate id is not counted, and a refused event stores nothing. The
-- declared types themselves arrive in the catalog feed, stored with it in catalog_snapshot.
CREATE TABLE player_daily_counts (
  user_id uuid    NOT NULL,
  type    text    NOT NULL,
  day     date    NOT NULL,
  count   integer NOT NULL CHECK (count >= 0),
  PRIMARY KEY (user_id, type, day)
);
