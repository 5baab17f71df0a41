-- Consent wording stored once (issue #14). Every lead that agreed through
-- one form carries the same sentence, and it was stored twice a lead: on
-- the lead (leads.consent_text) and in its consent record (consents.text),
-- about 200 bytes a consenting lead. The wordings table holds each
-- distinct sentence once; leads and consents refer to it by id (NULL: no
-- wording, the empty text). The consent event on the timeline keeps its
-- own copy: its hash covers it. A wording is found by the MD5 of its text
-- (a B-tree entry cannot hold a long text) and then compared in full;
-- two processes storing one new sentence at once may store it twice,
-- which costs a row and nothing else.
-- Keep in step with ../sqlite/0021_consent_wordings.sql and
-- store/wordings.go.
CREATE TABLE wordings (
    id   BIGSERIAL PRIMARY KEY,
    text TEXT NOT NULL CHECK (text <> '')
);
CREATE INDEX wordings_text ON wordings (md5(text));

INSERT INTO wordings (text)
    SELECT text FROM (SELECT consent_text AS text FROM leads WHERE consent_text <> ''
                      UNION SELECT text FROM consents WHERE text <> '') AS t
    ORDER BY text;

ALTER TABLE leads ADD COLUMN consent_wording BIGINT REFERENCES wordings (id);
UPDATE leads SET consent_wording = w.id FROM wordings w
    WHERE leads.consent_text <> '' AND md5(w.text) = md5(leads.consent_text) AND w.text = leads.consent_text;
ALTER TABLE leads DROP COLUMN consent_text;

ALTER TABLE consents ADD COLUMN wording BIGINT REFERENCES wordings (id);
UPDATE consents SET wording = w.id FROM wordings w
    WHERE consents.text <> '' AND md5(w.text) = md5(consents.text) AND w.text = consents.text;
ALTER TABLE consents DROP COLUMN text;
