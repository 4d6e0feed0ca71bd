-- Replaying a user's history of one event type, in time order, when a late event arrives.
CREATE INDEX events_user_type_time ON events (user_id, type, occurred_at, received_at, id);
