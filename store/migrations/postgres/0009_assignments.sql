-- Assignments: a partner's answer to a lead routed to it or an opportunity
-- handed off to it (pending until accepted, declined or lapsed at due_at;
-- withdrawn when the record moves on without an answer). A lead has at most
-- one pending assignment. The lead reference is checked at commit: capture
-- writes a new lead's row at the end of its batch. Partners get a time zone (business-day response
-- times run by their office hours); opportunities get the deal's stage,
-- amount (minor units of an ISO 4217 currency), expected close date and
-- outcome. Keep in step with ../sqlite/0009_assignments.sql.
CREATE TABLE assignments (
    id             TEXT PRIMARY KEY,
    lead_id        TEXT NOT NULL REFERENCES leads (id) DEFERRABLE INITIALLY DEFERRED,
    opportunity_id TEXT REFERENCES opportunities (id),
    partner_id     TEXT NOT NULL REFERENCES partners (id),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'lapsed', 'withdrawn')),
    rule           TEXT NOT NULL DEFAULT '',
    opened_at      TIMESTAMPTZ NOT NULL,
    due_at         TIMESTAMPTZ NOT NULL,
    remind_at      TIMESTAMPTZ NOT NULL,
    reminded_at    TIMESTAMPTZ,
    answered_at    TIMESTAMPTZ,
    answered_by    TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX assignments_one_pending ON assignments (lead_id) WHERE status = 'pending';
CREATE INDEX assignments_due ON assignments (due_at) WHERE status = 'pending';
CREATE INDEX assignments_remind ON assignments (remind_at) WHERE status = 'pending' AND reminded_at IS NULL;
CREATE INDEX assignments_partner ON assignments (partner_id, opened_at);
CREATE INDEX assignments_lead ON assignments (lead_id, opened_at);

ALTER TABLE partners ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

ALTER TABLE opportunities ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN amount_minor BIGINT;
ALTER TABLE opportunities ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN close_date TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE opportunities ADD COLUMN deal_updated_at TIMESTAMPTZ;
ALTER TABLE opportunities ADD COLUMN nudged_at TIMESTAMPTZ;
CREATE INDEX opportunities_stale ON opportunities (deal_updated_at) WHERE closed_at IS NULL AND deal_updated_at IS NOT NULL;
