-- Every table that refers to a lead has an index on its lead_id (issue
-- #14). PostgreSQL checks a foreign key from the parent's side only when
-- a parent's key is deleted or changed, which leads' never are, so it
-- had no cost here; SQLite read the whole table for every lead stored
-- (see ../sqlite/0025_lead_children_indexed.sql). The indexes are kept
-- on both engines so that the schemas stay alike.
-- Keep in step with ../sqlite/0025_lead_children_indexed.sql.
CREATE INDEX conflicts_lead ON conflicts (lead_id);
CREATE INDEX contacts_lead ON contacts (lead_id);
