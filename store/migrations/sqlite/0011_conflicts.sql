-- Channel conflicts (W14): more than one partner has a claim on a lead
-- (its credited PID, the account's owner, an approved registration of its
-- company, an open lead or opportunity of another partner at the same
-- account). The record keeps every claim and why it did or did not prevail;
-- Partner Relations resolves it. At most one open conflict a lead. Keep in
-- step with ../postgres/0011_conflicts.sql.
CREATE TABLE conflicts (
    id             TEXT PRIMARY KEY,
    lead_id        TEXT NOT NULL REFERENCES leads (id) DEFERRABLE INITIALLY DEFERRED,
    status         TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    claims         TEXT NOT NULL,
    winner_id      TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    resolved_at    TIMESTAMP,
    resolved_by    TEXT NOT NULL DEFAULT '',
    resolution     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX conflicts_one_open ON conflicts (lead_id) WHERE status = 'open';
CREATE INDEX conflicts_status ON conflicts (status, id);

-- A conflict names its partners so that a PAM finds its own.
CREATE TABLE conflict_partners (
    conflict_id TEXT NOT NULL REFERENCES conflicts (id),
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    PRIMARY KEY (conflict_id, partner_id)
);
CREATE INDEX conflict_partners_partner ON conflict_partners (partner_id);
