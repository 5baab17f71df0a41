-- The read log: who saw a lead's contact details (name, e-mail, phone)
-- unredacted, on which record, when and through which channel (api, portal,
-- export). Written in batches off the request path (store.ReadLog). Keep in
-- step with ../postgres/0008_contact_reads.sql.
CREATE TABLE contact_reads (
    id         INTEGER PRIMARY KEY,
    read_at    TIMESTAMP NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    partner_id TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    lead_id    TEXT NOT NULL
);
CREATE INDEX contact_reads_lead ON contact_reads (lead_id, id);
