-- Every table that refers to a lead has an index on its lead_id (issue
-- #14). SQLite checks a foreign key from the parent's side too: when a
-- statement writes several leads (the writer's multi-row INSERT, an
-- import) or the key is DEFERRABLE (conflicts.lead_id), it looks up each
-- new lead in every table that refers to leads, and without an index on
-- the referring column that lookup reads the whole table, for every lead
-- stored. conflicts had only the partial index of open conflicts and
-- contacts none: at 1M leads every stored lead read all conflicts, 7 of
-- the 10 seconds of a stored load went to it, and it grew with every
-- conflict (TestWritesScanNoTable in store/writescan_test.go checks the
-- writer's statements).
-- Keep in step with ../postgres/0025_lead_children_indexed.sql.
CREATE INDEX conflicts_lead ON conflicts (lead_id);
CREATE INDEX contacts_lead ON contacts (lead_id);
