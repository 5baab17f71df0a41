-- Channel-conflict claims (conflict.Service.Claims, at every capture and
-- explain) also look for partners' open leads with the new lead's e-mail
-- domain. Through leads_email_domain that read every lead of the domain,
-- open or not, owned by a partner or not, to keep the few a partner owns:
-- at 1M leads (about ten a domain) it was a fifth of capture's CPU. This
-- index holds only partners' open leads, with the columns the search
-- returns and reads (status too: SQLite reads a column of a partial
-- index's condition from the row unless the index holds it), so the
-- search reads no lead row. (The company key needs none: a key is rarely
-- shared, and its search reads a row or two through leads_company_key.)
-- Keep in step with ../postgres/0020_leads_partner_domain.sql.
CREATE INDEX leads_partner_domain ON leads (email_domain, owner_partner_id, id, status)
    WHERE owner_partner_id IS NOT NULL AND status NOT IN ('converted', 'disqualified');
