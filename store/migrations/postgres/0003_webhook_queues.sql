-- Each webhook subscription is a queue delivered in order, one event at a
-- time, by whichever server process holds its lease.
-- Keep in step with ../sqlite/0003_webhook_queues.sql.
--
-- webhooks.next_attempt_at: when the subscription may next be claimed (the
--   lease's end while a delivery is in flight, the back-off's end after a
--   failure, otherwise when it was last served: oldest served first).
-- webhooks.lease_token: who holds the lease ('' when nobody does).
-- webhooks.head_id: the outbox row being delivered or retried, which keeps
--   its place at the head of the queue until it is delivered.
-- webhooks.last_sequence: the last sequence number handed out.
-- outbox.sequence: the row's number in its subscription (1, 2, 3, ...),
--   assigned when it reaches the head of the queue; NULL until then.
ALTER TABLE webhooks ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z';
ALTER TABLE webhooks ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN head_id BIGINT;
ALTER TABLE webhooks ADD COLUMN last_sequence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN sequence BIGINT;

-- A subscription's queue in order; delivered rows leave the index.
DROP INDEX outbox_pending;
CREATE INDEX outbox_queue ON outbox (webhook_id, id) WHERE delivered_at IS NULL;
