-- Notifications: one row a recipient and a change (W13), written in the
-- transaction of the change (an event hook), shown in the portal inbox and
-- sent by e-mail by a claimed sender job: email is 'pending' (send at
-- once), 'digest' (wait for the recipient's daily digest), 'sent', 'off'
-- (the recipient turned e-mail off for the kind, or no relay is
-- configured), 'failed' (the relay refused it for good). A digest is itself
-- a notification of kind 'digest' listing the others. Users get a language
-- and the time of their next digest; notification_prefs holds each user's
-- choice per kind. Keep in step with ../postgres/0010_notifications.sql.
CREATE TABLE notifications (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL,
    subject_id    TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMP NOT NULL,
    read_at       TIMESTAMP,
    email         TEXT NOT NULL CHECK (email IN ('pending', 'digest', 'sent', 'off', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TIMESTAMP NOT NULL,
    lease_until   TIMESTAMP,
    sent_at       TIMESTAMP,
    digest_id     TEXT NOT NULL DEFAULT '',
    last_error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_pending ON notifications (next_at) WHERE email = 'pending';
CREATE INDEX notifications_digest ON notifications (user_id) WHERE email = 'digest';

CREATE TABLE notification_prefs (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind    TEXT NOT NULL,
    mode    TEXT NOT NULL CHECK (mode IN ('now', 'digest', 'off')),
    PRIMARY KEY (user_id, kind)
);

ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN next_digest_at TIMESTAMP;

-- Registrations warned of their expiry (14 and 3 days before), once each.
ALTER TABLE registrations ADD COLUMN expiry_warned INTEGER NOT NULL DEFAULT 0;
