-- A lead is found by e-mail through one index, not two (issue #14).
-- Every open lead's e-mail was in two indexes: leads_open_email, which
-- keeps one open lead an address, and leads_email, which found any lead
-- by e-mail; each new lead added an entry at a random place in both.
-- leads_closed_email replaces leads_email and holds only closed
-- (converted, disqualified) leads; a search by e-mail asks both, open
-- leads through leads_open_email (store/leads.go, leadsByEmail). Closing
-- a lead moves its entry from the one to the other.
-- Keep in step with ../sqlite/0024_leads_closed_email.sql.
DROP INDEX leads_email;
CREATE INDEX leads_closed_email ON leads (email) WHERE status IN ('converted', 'disqualified');
