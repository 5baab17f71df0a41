-- The whole leadrouter schema, PostgreSQL flavour. Keep in step with
-- ../sqlite/0001_init.sql: same tables, columns, keys and checks.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE partners (
    id          TEXT PRIMARY KEY,
    pid         TEXT NOT NULL UNIQUE CHECK (pid ~ '^[A-Z0-9]{6,12}$'),
    name        TEXT NOT NULL CHECK (name <> ''),
    tier        TEXT NOT NULL DEFAULT '',
    pam_user_id TEXT,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    weight      BIGINT NOT NULL DEFAULT 1 CHECK (weight > 0),
    daily_cap   BIGINT CHECK (daily_cap IS NULL OR daily_cap > 0),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX partners_pam ON partners (pam_user_id);

CREATE TABLE partner_countries (
    partner_id TEXT NOT NULL REFERENCES partners (id),
    country    TEXT NOT NULL CHECK (length(country) = 2),
    PRIMARY KEY (partner_id, country)
);
CREATE INDEX partner_countries_country ON partner_countries (country);

CREATE TABLE partner_domains (
    domain     TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id)
);
CREATE INDEX partner_domains_partner ON partner_domains (partner_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email <> ''),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'pam', 'relations', 'support', 'sales', 'partner')),
    partner_id    TEXT REFERENCES partners (id),
    password_hash TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK ((role = 'partner') = (partner_id IS NOT NULL))
);
CREATE INDEX users_partner ON users (partner_id);
ALTER TABLE partners ADD CONSTRAINT partners_pam_user_fk FOREIGN KEY (pam_user_id) REFERENCES users (id);
CREATE INDEX users_role ON users (role);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (name <> ''),
    name_key         TEXT NOT NULL,
    country          TEXT NOT NULL DEFAULT '',
    parent_id        TEXT REFERENCES accounts (id),
    root_id          TEXT NOT NULL,
    owner_partner_id TEXT REFERENCES partners (id),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX accounts_name_key ON accounts (name_key);
CREATE INDEX accounts_root ON accounts (root_id);
CREATE INDEX accounts_owner ON accounts (owner_partner_id);

CREATE TABLE account_domains (
    domain     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id)
);
CREATE INDEX account_domains_account ON account_domains (account_id);

-- company_tokens indexes normalised company-name tokens of accounts, leads,
-- contacts and registrations for near-miss matching without a scan.
CREATE TABLE company_tokens (
    token  TEXT NOT NULL,
    kind   TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    PRIMARY KEY (token, kind, ref_id)
);
CREATE INDEX company_tokens_ref ON company_tokens (ref_id);

CREATE TABLE forms (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('gated_offer', 'demo_request', 'contact', 'event')),
    success_url  TEXT NOT NULL,
    consent_text TEXT NOT NULL DEFAULT '',
    partner_id   TEXT REFERENCES partners (id),
    campaign     TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE leads (
    id                  TEXT PRIMARY KEY,
    status              TEXT NOT NULL CHECK (status IN ('new', 'nurturing', 'mql', 'qualified', 'converted', 'disqualified')),
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '' CHECK (email = lower(email)),
    email_domain        TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    phone_e164          TEXT NOT NULL DEFAULT '',
    company             TEXT NOT NULL DEFAULT '',
    company_key         TEXT NOT NULL DEFAULT '',
    company_size        BIGINT,
    title               TEXT NOT NULL DEFAULT '',
    country             TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL CHECK (source IN ('web_form', 'call', 'email', 'import', 'event', 'webinar', 'partner_registration', 'api')),
    form_slug           TEXT NOT NULL DEFAULT '',
    form_kind           TEXT NOT NULL DEFAULT '',
    campaign            TEXT NOT NULL DEFAULT '',
    utm                 TEXT NOT NULL DEFAULT '{}',
    landing_url         TEXT NOT NULL DEFAULT '',
    touches             TEXT NOT NULL DEFAULT '[]',
    credited_pid        TEXT NOT NULL DEFAULT '',
    credited_partner_id TEXT REFERENCES partners (id),
    attribution_model   TEXT NOT NULL DEFAULT '',
    reserved_partner_id TEXT REFERENCES partners (id),
    owner_kind          TEXT NOT NULL CHECK (owner_kind IN ('partner', 'user', 'queue')),
    owner_id            TEXT NOT NULL,
    owner_partner_id    TEXT REFERENCES partners (id),
    handoff_partner_id  TEXT REFERENCES partners (id),
    account_id          TEXT REFERENCES accounts (id),
    consent_share       BOOLEAN NOT NULL DEFAULT FALSE,
    consent_at          TIMESTAMPTZ,
    consent_text        TEXT NOT NULL DEFAULT '',
    score               BIGINT NOT NULL DEFAULT 0,
    nurture_track       TEXT NOT NULL DEFAULT '',
    responses           BIGINT NOT NULL DEFAULT 0,
    routed_rule         TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK (owner_kind <> 'partner' OR owner_partner_id = owner_id)
);
-- One open lead per e-mail address: the backstop behind duplicate detection.
CREATE UNIQUE INDEX leads_open_email ON leads (email) WHERE email <> '' AND status NOT IN ('converted', 'disqualified');
CREATE INDEX leads_email ON leads (email);
CREATE INDEX leads_email_domain ON leads (email_domain);
CREATE INDEX leads_company_key ON leads (company_key);
CREATE INDEX leads_owner_partner ON leads (owner_partner_id);
CREATE INDEX leads_reserved_partner ON leads (reserved_partner_id);
CREATE INDEX leads_handoff_partner ON leads (handoff_partner_id);
CREATE INDEX leads_credited_partner ON leads (credited_partner_id, created_at);
CREATE INDEX leads_owner ON leads (owner_id);

CREATE TABLE consents (
    id      TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL REFERENCES leads (id),
    share   BOOLEAN NOT NULL,
    text    TEXT NOT NULL,
    source  TEXT NOT NULL,
    ip      TEXT NOT NULL DEFAULT '',
    actor   TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX consents_lead ON consents (lead_id, at);

CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    lead_id    TEXT REFERENCES leads (id),
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '' CHECK (email = lower(email)),
    phone      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE opportunities (
    id                  TEXT PRIMARY KEY,
    lead_id             TEXT NOT NULL UNIQUE REFERENCES leads (id),
    account_id          TEXT NOT NULL REFERENCES accounts (id),
    contact_id          TEXT NOT NULL REFERENCES contacts (id),
    name                TEXT NOT NULL CHECK (name <> ''),
    amount              DOUBLE PRECISION,
    status              TEXT NOT NULL CHECK (status IN ('handoff_pending', 'handed_off', 'open', 'won', 'lost')),
    reserved_partner_id TEXT REFERENCES partners (id),
    partner_id          TEXT REFERENCES partners (id),
    pam_user_id         TEXT REFERENCES users (id),
    override_reason     TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    handed_off_at       TIMESTAMPTZ
);
CREATE INDEX opportunities_account ON opportunities (account_id);
CREATE INDEX opportunities_status ON opportunities (status);
CREATE INDEX opportunities_partner ON opportunities (partner_id);
CREATE INDEX opportunities_reserved ON opportunities (reserved_partner_id);
CREATE INDEX opportunities_pam ON opportunities (pam_user_id);

-- events is the append-only timeline. Each subject (a lead, an account, a
-- registration, a partner) has its own hash chain: n counts from 1 and hash
-- covers prev_hash, so an edited or removed event breaks the chain.
CREATE TABLE events (
    seq       BIGSERIAL PRIMARY KEY,
    subject   TEXT NOT NULL,
    n         BIGINT NOT NULL CHECK (n > 0),
    type      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    data      TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    UNIQUE (subject, n)
);
CREATE TABLE event_heads (
    subject TEXT PRIMARY KEY,
    n       BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE rotations (
    key      TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

CREATE TABLE daily_assignments (
    key         TEXT NOT NULL,
    assignee_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (key, assignee_id, day)
);

CREATE TABLE clicks (
    partner_id TEXT NOT NULL REFERENCES partners (id),
    day        TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (partner_id, day)
);

CREATE TABLE policies (
    version    BIGSERIAL PRIMARY KEY,
    source     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE registrations (
    id                  TEXT PRIMARY KEY,
    partner_id          TEXT NOT NULL REFERENCES partners (id),
    created_by          TEXT NOT NULL,
    company             TEXT NOT NULL,
    company_key         TEXT NOT NULL,
    domain              TEXT NOT NULL DEFAULT '',
    country             TEXT NOT NULL DEFAULT '',
    contact_email       TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT '',
    flag                TEXT NOT NULL CHECK (flag IN ('green', 'yellow', 'red')),
    status              TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected', 'expired')),
    reasons             TEXT NOT NULL DEFAULT '[]',
    conflicts           TEXT NOT NULL DEFAULT '[]',
    account_id          TEXT REFERENCES accounts (id),
    expires_at          TIMESTAMPTZ,
    extension_requested BOOLEAN NOT NULL DEFAULT FALSE,
    extended            BOOLEAN NOT NULL DEFAULT FALSE,
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TIMESTAMPTZ,
    decision_reason     TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX registrations_domain ON registrations (domain);
CREATE INDEX registrations_company_key ON registrations (company_key);
CREATE INDEX registrations_partner ON registrations (partner_id);
CREATE INDEX registrations_status ON registrations (status, expires_at);

-- registration_locks serialises conflict searches on one prospect (by domain
-- and by company key) across transactions and server processes.
CREATE TABLE registration_locks (
    key TEXT PRIMARY KEY,
    n   BIGINT NOT NULL
);

CREATE TABLE reassignment_requests (
    id             TEXT PRIMARY KEY,
    lead_id        TEXT NOT NULL REFERENCES leads (id),
    partner_id     TEXT REFERENCES partners (id),
    requested_by   TEXT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolved_by    TEXT NOT NULL DEFAULT '',
    resolved_at    TIMESTAMPTZ,
    new_owner_kind TEXT NOT NULL DEFAULT '',
    new_owner_id   TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX reassignment_requests_status ON reassignment_requests (status, created_at);
CREATE INDEX reassignment_requests_lead ON reassignment_requests (lead_id);

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id),
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
