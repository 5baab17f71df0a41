-- Timeline heads not yet written to the audit checkpoint file: every head
-- change sets ckpt back to 0, the checkpointer claims the rows at 0.
ALTER TABLE event_heads ADD COLUMN ckpt INTEGER NOT NULL DEFAULT 0;
CREATE INDEX event_heads_unckpt ON event_heads (subject) WHERE ckpt = 0;
