-- The company tokens of new leads are written by a background indexer
-- (intake.Indexer), not by the transaction that stores the lead. Several
-- processes write leads at once and commit in any order, so the cursor is
-- not an id but (the writing transaction's id, the lead's id): the indexer
-- reads only leads whose transaction is older than every one still running
-- (pg_snapshot_xmin), and none can appear behind the cursor later.
-- Leads stored before this migration have no transaction id: they were
-- indexed when they were stored.
ALTER TABLE leads ADD COLUMN tx xid8;
ALTER TABLE leads ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
CREATE INDEX leads_tx ON leads (tx, id) WHERE tx IS NOT NULL;

CREATE TABLE index_cursors (
    name     TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    after_id TEXT NOT NULL DEFAULT ''
);
INSERT INTO index_cursors (name, position) VALUES ('lead_company_tokens', 0);
