-- The starting catalog (api.md "Catalog"): fixed ids so that every installation agrees.

INSERT INTO currencies (code, name) VALUES
  ('gold', 'Gold'),
  ('diamond', 'Diamond');

INSERT INTO rewards (id, name, xp, badge) VALUES
  ('5e0d0000-0000-4000-8000-000000000001', '10 gold', 0, NULL),
  ('5e0d0000-0000-4000-8000-000000000002', '10 diamond', 0, NULL);

INSERT INTO reward_items (reward_id, position, currency, amount) VALUES
  ('5e0d0000-0000-4000-8000-000000000001', 0, 'gold', 10),
  ('5e0d0000-0000-4000-8000-000000000002', 0, 'diamond', 10);

INSERT INTO quests (id, key, name, description, tags, status, version, objective, reward_id,
                    auto_claim, max_completions, repeat, starts_at, ends_at, prerequisites) VALUES
  ('5e0d0000-0000-4000-8000-000000000101', 'daily-login', 'Daily Login',
   'Log in once a day to earn 10 gold, paid automatically.',
   ARRAY['daily', 'login'], 'published', 1,
   '{"event": "login", "mode": "count", "target": 1}',
   '5e0d0000-0000-4000-8000-000000000001', true, 365, 'daily', NULL, NULL, '{}'),
  ('5e0d0000-0000-4000-8000-000000000102', 'sign-in-three-times', 'Sign in three times',
   'Log in on three consecutive days, then claim 10 diamond.',
   ARRAY['streak', 'login'], 'published', 1,
   '{"event": "login", "mode": "streak", "target": 3}',
   '5e0d0000-0000-4000-8000-000000000002', false, 2, 'none', NULL, NULL, '{}');

UPDATE catalog_revision SET revision = revision + 1;
