-- Every column that refers to another table's row has an index that
-- starts with it (issue #14, after 0025). SQLite checks a foreign key from
-- the parent's side too: when a parent row is deleted or its key changed,
-- and when it is inserted by a statement that may write several rows or
-- fires a trigger. partners and users have triggers (the directory
-- version), so creating a partner read all of reassignment_requests and
-- forms, and creating a user read all of sessions, one more login each.
-- The other four cost nothing today (their parents are inserted one row
-- at a time, without triggers, and never deleted) but would as soon as
-- that changed; the nullable ones are partial, so rows without a
-- reference (most assignments, accounts without a parent) take no entry.
-- Four columns are left out on purpose, their parents being inserted
-- alone and never deleted: leads.consent_wording and consents.wording
-- (a consent wording, inserted without RETURNING, see storeWording) and
-- leads.account_id, where an index would cost every lead an entry, and
-- outbox.webhook_id (the outbox takes no rows since 0017; a webhook's
-- deletion sets deleted_at).
-- TestForeignKeysIndexed (store/fkindex_test.go) checks the rule on both
-- engines. Keep in step with ../postgres/0026_references_indexed.sql.
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX forms_partner ON forms (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX reassignment_requests_partner ON reassignment_requests (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX accounts_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX registrations_account ON registrations (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX opportunities_contact ON opportunities (contact_id);
CREATE INDEX assignments_opportunity ON assignments (opportunity_id) WHERE opportunity_id IS NOT NULL;
