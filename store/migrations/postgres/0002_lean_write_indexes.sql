-- Fewer indexes written per captured lead (every capture pays for each).
-- Keep in step with ../sqlite/0002_lean_write_indexes.sql.
--
-- No query looks company tokens up by ref_id (tokens are found by token;
-- stale ones merely add a candidate that scoring drops).
DROP INDEX company_tokens_ref;

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
