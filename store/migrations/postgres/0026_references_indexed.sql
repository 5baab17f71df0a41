-- Every column that refers to another table's row has an index that
-- starts with it (issue #14, after 0025). PostgreSQL checks a foreign key
-- from the parent's side only when a parent row is deleted or its key
-- changed, which none of these parents' are today, so this costs nothing
-- now and keeps a future delete from reading a whole table; SQLite also
-- checked on every partner and user created (see
-- ../sqlite/0026_references_indexed.sql). leads.consent_wording,
-- consents.wording, leads.account_id and outbox.webhook_id are left out
-- on purpose, as there.
-- TestForeignKeysIndexed (store/fkindex_test.go) checks the rule on both
-- engines. Keep in step with ../sqlite/0026_references_indexed.sql.
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX forms_partner ON forms (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX reassignment_requests_partner ON reassignment_requests (partner_id) WHERE partner_id IS NOT NULL;
CREATE INDEX accounts_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX registrations_account ON registrations (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX opportunities_contact ON opportunities (contact_id);
CREATE INDEX assignments_opportunity ON assignments (opportunity_id) WHERE opportunity_id IS NOT NULL;
