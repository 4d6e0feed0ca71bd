-- The last catalog copy progress loaded (the feed's JSON body as fetched), one row: a restarted
-- progress serves events on it while the catalog is down instead of refusing them all.
CREATE TABLE catalog_snapshot (
  id       boolean     PRIMARY KEY DEFAULT true CHECK (id),
  revision text        NOT NULL,
  body     jsonb       NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now()
);
