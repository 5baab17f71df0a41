-- The company tokens of new leads are written by a background indexer
-- (intake.Indexer), not by the transaction that stores the lead. Its
-- cursor is the last lead it indexed: on SQLite the lead's rowid, which
-- the one writer hands out in commit order (max + 1; leads are never
-- deleted, so VACUUM, which may renumber rowids, keeps them as they are:
-- a change that deletes leads or rebuilds the table must move the cursor
-- with them). Leads stored before this migration were indexed when they
-- were stored.
CREATE TABLE index_cursors (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    after_id TEXT NOT NULL DEFAULT ''
);
INSERT INTO index_cursors (name, position) SELECT 'lead_company_tokens', COALESCE(MAX(rowid), 0) FROM leads;
