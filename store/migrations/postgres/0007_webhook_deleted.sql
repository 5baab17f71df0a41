-- A deleted webhook subscription stays as a row (its delivered outbox rows
-- still name it) but is neither listed, queued to nor delivered; its
-- pending rows are dropped when it is deleted.
-- Keep in step with ../sqlite/0007_webhook_deleted.sql.
ALTER TABLE webhooks ADD COLUMN deleted_at TIMESTAMPTZ;
