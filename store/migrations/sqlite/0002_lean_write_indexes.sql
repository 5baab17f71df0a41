-- Fewer B-trees written per captured lead (every capture pays for each).
--
-- company_tokens becomes a WITHOUT ROWID table clustered on its key: one
-- B-tree per token row instead of three (the rowid table, the key's index
-- and an index on ref_id that no query used: tokens are looked up by
-- token only, and stale ones merely add a candidate that scoring drops).
CREATE TABLE company_tokens_new (
    token  TEXT NOT NULL,
    kind   TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    PRIMARY KEY (token, kind, ref_id)
) WITHOUT ROWID;
INSERT INTO company_tokens_new (token, kind, ref_id) SELECT token, kind, ref_id FROM company_tokens;
DROP TABLE company_tokens;
ALTER TABLE company_tokens_new RENAME TO company_tokens;

-- The partner columns of a lead are NULL until a partner is involved (most
-- new leads have none): partial indexes skip those rows. Every query on
-- them compares with "=", which implies IS NOT NULL, so they still apply.
DROP INDEX leads_owner_partner;
DROP INDEX leads_reserved_partner;
DROP INDEX leads_handoff_partner;
DROP INDEX leads_credited_partner;
CREATE INDEX leads_owner_partner ON leads (owner_partner_id) WHERE owner_partner_id IS NOT NULL;
CREATE INDEX leads_reserved_partner ON leads (reserved_partner_id) WHERE reserved_partner_id IS NOT NULL;
CREATE INDEX leads_handoff_partner ON leads (handoff_partner_id) WHERE handoff_partner_id IS NOT NULL;
CREATE INDEX leads_credited_partner ON leads (credited_partner_id, created_at) WHERE credited_partner_id IS NOT NULL;
