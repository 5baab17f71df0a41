-- SQLite's 0022 stores the timeline heads WITHOUT ROWID, in the primary
-- key's B-tree. PostgreSQL keeps every table as a heap with separate
-- indexes, so it has nothing to change; this file keeps the two engines'
-- migrations numbered alike.
SELECT 1;
