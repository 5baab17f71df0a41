-- The support desk's search finds leads and contacts by name and phone
-- through the token index instead of reading every one (issue #14's company/name
-- index): the background indexer writes each new lead's person tokens
-- (store/company_index.go, personTokens), a contact's are written with it
-- (store/contacts.go), and this migration writes them for the leads and
-- contacts stored before. Keep in step with both, and with
-- ../postgres/0019_person_tokens.sql.
INSERT OR IGNORE INTO company_tokens (token, kind, ref_id)
SELECT 'n:' || lower(trim(first_name)), 'lead', id FROM leads WHERE trim(first_name) <> ''
UNION ALL
SELECT 'n:' || lower(trim(last_name)), 'lead', id FROM leads WHERE trim(last_name) <> ''
UNION ALL
SELECT 'n:' || lower(trim(first_name)) || ' ' || lower(trim(last_name)), 'lead', id FROM leads
    WHERE trim(first_name) <> '' AND trim(last_name) <> ''
UNION ALL
SELECT 'p:' || phone_e164, 'lead', id FROM leads WHERE phone_e164 <> '';

INSERT OR IGNORE INTO company_tokens (token, kind, ref_id)
SELECT 'n:' || lower(trim(first_name)), 'contact', id FROM contacts WHERE trim(first_name) <> ''
UNION ALL
SELECT 'n:' || lower(trim(last_name)), 'contact', id FROM contacts WHERE trim(last_name) <> ''
UNION ALL
SELECT 'n:' || lower(trim(first_name)) || ' ' || lower(trim(last_name)), 'contact', id FROM contacts
    WHERE trim(first_name) <> '' AND trim(last_name) <> ''
UNION ALL
SELECT 'p:' || phone, 'contact', id FROM contacts WHERE phone <> '';
