-- The claims' searches (store/conflicts.go, at every capture and explain)
-- each have an index of partners' open leads: leads_partner_account for
-- the account, leads_partner_domain for the e-mail domain. The account's
-- search also implied leads_partner_domain's condition, and when the
-- statistics said that index was nearly empty (after a bulk load of the
-- vendor's own leads, or with autovacuum off) PostgreSQL read the whole of
-- it for every capture instead of searching leads_partner_account: every
-- partner's open lead, thousands of them by the time the statistics caught
-- up. With "email_domain <> ''" in its condition (which the domain's
-- search now says too) the index serves the domain's search alone. It
-- loses nothing a search wants: the domain's search is never made for a
-- lead without an e-mail. TestMatchQueriesUseIndexes checks the plans on
-- an empty and an analyzed database.
-- Keep in step with ../postgres/0027_partner_claims_plans.sql.
DROP INDEX leads_partner_domain;
CREATE INDEX leads_partner_domain ON leads (email_domain, owner_partner_id, id, status)
    WHERE email_domain <> '' AND owner_partner_id IS NOT NULL AND status NOT IN ('converted', 'disqualified');
