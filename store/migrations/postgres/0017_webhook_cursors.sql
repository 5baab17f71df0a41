-- Webhook subscriptions read the events table with a cursor each, instead
-- of the transaction that changes something writing an outbox row per
-- event and subscription. Keep in step with ../sqlite/0017_webhook_cursors.sql.
--
-- Several transactions append events at once and commit in any order, so
-- events are read in the order of (tx, seq), where events.tx is the order
-- key of the transaction that wrote the event: its transaction id, raised
-- to the key of its subject's previous event (event_heads.tx) when that is
-- greater. A subscription reads only events whose key is older than every
-- transaction still running (pg_snapshot_xmin): a transaction writes keys
-- no smaller than its own id, so none can appear behind the cursor later,
-- and one subject's events are read in the order they were appended.
-- Events written before this migration have no key: their notifications
-- were queued in the outbox when they were written.
ALTER TABLE events ADD COLUMN tx xid8;
ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
CREATE INDEX events_tx ON events (tx, seq) WHERE tx IS NOT NULL;
ALTER TABLE event_heads ADD COLUMN tx xid8;
ALTER TABLE event_heads ALTER COLUMN tx SET DEFAULT pg_current_xact_id();

-- webhooks.cursor_tx, cursor_seq: the last event the subscription is done
--   with (delivered, or skipped as not subscribed).
-- webhooks.head_seq, head_tx: the event being delivered or retried, which
--   keeps its place at the head until it is delivered (NULL: none).
-- webhooks.head_sequence, head_attempts, head_error: its number in the
--   subscription, the failed attempts so far and the last failure.
-- webhooks.delivered: how many events it was sent (outbox rows delivered
--   before this migration are counted from the outbox).
--
-- The outbox keeps the rows queued before this migration: each
-- subscription is sent those first, then the events after its cursor.
ALTER TABLE webhooks ADD COLUMN cursor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN cursor_tx xid8 NOT NULL DEFAULT '0';
ALTER TABLE webhooks ADD COLUMN head_seq BIGINT;
ALTER TABLE webhooks ADD COLUMN head_tx xid8;
ALTER TABLE webhooks ADD COLUMN head_sequence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN head_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN head_error TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN delivered BIGINT NOT NULL DEFAULT 0;

-- Delivery ids of events are their seq: start events past every outbox id,
-- so a receiver never sees one id twice.
SELECT setval('events_seq_seq', GREATEST((SELECT COALESCE(MAX(seq), 0) FROM events), (SELECT COALESCE(MAX(id), 0) FROM outbox), 1));
