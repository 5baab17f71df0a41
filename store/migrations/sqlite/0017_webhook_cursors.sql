-- Webhook subscriptions read the events table with a cursor each, instead
-- of the transaction that changes something writing an outbox row per
-- event and subscription. Keep in step with ../postgres/0017_webhook_cursors.sql.
--
-- webhooks.cursor_seq: the last event the subscription is done with
--   (delivered, or skipped as not subscribed). On SQLite the one writer
--   numbers events in commit order, so no event can appear behind it.
-- webhooks.cursor_tx: unused on SQLite (PostgreSQL's order key).
-- webhooks.head_seq, head_tx: the event being delivered or retried, which
--   keeps its place at the head until it is delivered (NULL: none).
-- webhooks.head_sequence, head_attempts, head_error: its number in the
--   subscription, the failed attempts so far and the last failure.
-- webhooks.delivered: how many events it was sent (outbox rows delivered
--   before this migration are counted from the outbox).
--
-- The outbox keeps the rows queued before this migration: each
-- subscription is sent those first, then the events after its cursor.
ALTER TABLE webhooks ADD COLUMN cursor_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN cursor_tx INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN head_seq INTEGER;
ALTER TABLE webhooks ADD COLUMN head_tx INTEGER;
ALTER TABLE webhooks ADD COLUMN head_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN head_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN head_error TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
UPDATE webhooks SET cursor_seq = (SELECT COALESCE(MAX(seq), 0) FROM events);

-- Delivery ids of events are their seq: start events past every outbox id,
-- so a receiver never sees one id twice.
INSERT OR IGNORE INTO sqlite_sequence (name, seq) VALUES ('events', 0);
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT COALESCE(MAX(id), 0) FROM outbox)) WHERE name = 'events';
