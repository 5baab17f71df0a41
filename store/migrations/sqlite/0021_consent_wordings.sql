-- Consent wording stored once (issue #14). Every lead that agreed through
-- one form carries the same sentence, and it was stored twice a lead: on
-- the lead (leads.consent_text) and in its consent record (consents.text),
-- about 200 bytes a consenting lead. The wordings table holds each
-- distinct sentence once; leads and consents refer to it by id (NULL: no
-- wording, the empty text). The consent event on the timeline keeps its
-- own copy: its hash covers it.
-- Keep in step with ../postgres/0021_consent_wordings.sql and
-- store/wordings.go.
CREATE TABLE wordings (
    id   INTEGER PRIMARY KEY,
    text TEXT NOT NULL CHECK (text <> '')
);
CREATE INDEX wordings_text ON wordings (text);

INSERT INTO wordings (text)
    SELECT text FROM (SELECT consent_text AS text FROM leads WHERE consent_text <> ''
                      UNION SELECT text FROM consents WHERE text <> '')
    ORDER BY text;

ALTER TABLE leads ADD COLUMN consent_wording INTEGER REFERENCES wordings (id);
UPDATE leads SET consent_wording = (SELECT id FROM wordings WHERE wordings.text = leads.consent_text)
    WHERE consent_text <> '';
ALTER TABLE leads DROP COLUMN consent_text;

ALTER TABLE consents ADD COLUMN wording INTEGER REFERENCES wordings (id);
UPDATE consents SET wording = (SELECT id FROM wordings WHERE wordings.text = consents.text)
    WHERE text <> '';
ALTER TABLE consents DROP COLUMN text;
