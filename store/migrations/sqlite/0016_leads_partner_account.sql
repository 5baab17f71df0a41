-- Channel-conflict claims (conflict.Service.Claims, at every capture and
-- explain) look for partners' open leads at the new lead's account. Without
-- an index on the account that search walked every partner-owned lead
-- (leads_owner_partner), a cost growing with the database: at 1M leads it
-- was most of capture's CPU. Only the rows the search wants are indexed.
-- Keep in step with ../postgres/0016_leads_partner_account.sql.
CREATE INDEX leads_partner_account ON leads (account_id)
    WHERE account_id IS NOT NULL AND owner_partner_id IS NOT NULL AND status NOT IN ('converted', 'disqualified');
