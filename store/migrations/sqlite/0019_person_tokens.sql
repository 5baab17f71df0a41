-- The support desk's search finds leads and contacts by name and phone
-- through the token index instead of reading every one (issue #14's company/name
-- index): the background indexer writes each new lead's person tokens
-- (store/company_index.go, personTokens), a contact's are written with it
-- (store/contacts.go), and this migration writes them for the leads and
-- contacts stored before, folding names with lr_fold (registered by the
-- store: the Go folding the indexer uses, where SQLite's lower() folds
-- ASCII only). Registrations are searched by contact e-mail
-- through an index of its own. Keep in step with both, and with
-- ../postgres/0019_person_tokens.sql.
INSERT OR IGNORE INTO company_tokens (token, kind, ref_id)
WITH people (kind, id, given, family, phone) AS (
    SELECT 'lead', id, lr_fold(first_name), lr_fold(last_name), phone_e164 FROM leads
    UNION ALL
    SELECT 'contact', id, lr_fold(first_name), lr_fold(last_name), phone FROM contacts
)
SELECT 'n:' || given, kind, id FROM people WHERE given <> ''
UNION ALL
SELECT 'n:' || family, kind, id FROM people WHERE family <> ''
UNION ALL
SELECT 'n:' || given || ' ' || family, kind, id FROM people WHERE given <> '' AND family <> ''
UNION ALL
SELECT 'p:' || phone, kind, id FROM people WHERE phone <> '';

CREATE INDEX registrations_contact_email ON registrations (contact_email);
