-- Times of leads, consent records and assignments as integers on SQLite
-- (issue #14), as migration 0018 did for events: nanoseconds since 1970
-- (UTC), 8 bytes where the driver's text took 32 characters, in the row and
-- again in the indexes that hold them (a lead's credited partner, a
-- consent's lead, four of an assignment's). About 200 bytes a lead. The
-- text the driver wrote ('2006-01-02 15:04:05.999999999-07:00') converts
-- exactly; a time in any other form stays as it was, and the store reads
-- both (store/times.go). Keep in step with store/leads.go, consents.go and
-- assignments.go; PostgreSQL stores a timestamptz in 8 bytes already and
-- its 0023 only keeps the numbering in step.
UPDATE leads SET created_at = unixepoch(substr(created_at, 1, 19) || substr(created_at, -6)) * 1000000000
        + CASE WHEN substr(created_at, 20, 1) = '.'
            THEN CAST(substr(substr(created_at, 21, length(created_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(created_at) = 'text'
      AND created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(created_at) = 25 OR (substr(created_at, 20, 1) = '.' AND length(created_at) BETWEEN 27 AND 35
           AND substr(created_at, 21, length(created_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE leads SET updated_at = unixepoch(substr(updated_at, 1, 19) || substr(updated_at, -6)) * 1000000000
        + CASE WHEN substr(updated_at, 20, 1) = '.'
            THEN CAST(substr(substr(updated_at, 21, length(updated_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(updated_at) = 'text'
      AND updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(updated_at) = 25 OR (substr(updated_at, 20, 1) = '.' AND length(updated_at) BETWEEN 27 AND 35
           AND substr(updated_at, 21, length(updated_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE leads SET consent_at = unixepoch(substr(consent_at, 1, 19) || substr(consent_at, -6)) * 1000000000
        + CASE WHEN substr(consent_at, 20, 1) = '.'
            THEN CAST(substr(substr(consent_at, 21, length(consent_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(consent_at) = 'text'
      AND consent_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(consent_at) = 25 OR (substr(consent_at, 20, 1) = '.' AND length(consent_at) BETWEEN 27 AND 35
           AND substr(consent_at, 21, length(consent_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE consents SET at = unixepoch(substr(at, 1, 19) || substr(at, -6)) * 1000000000
        + CASE WHEN substr(at, 20, 1) = '.'
            THEN CAST(substr(substr(at, 21, length(at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(at) = 'text'
      AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(at) = 25 OR (substr(at, 20, 1) = '.' AND length(at) BETWEEN 27 AND 35
           AND substr(at, 21, length(at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE assignments SET opened_at = unixepoch(substr(opened_at, 1, 19) || substr(opened_at, -6)) * 1000000000
        + CASE WHEN substr(opened_at, 20, 1) = '.'
            THEN CAST(substr(substr(opened_at, 21, length(opened_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(opened_at) = 'text'
      AND opened_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(opened_at) = 25 OR (substr(opened_at, 20, 1) = '.' AND length(opened_at) BETWEEN 27 AND 35
           AND substr(opened_at, 21, length(opened_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE assignments SET due_at = unixepoch(substr(due_at, 1, 19) || substr(due_at, -6)) * 1000000000
        + CASE WHEN substr(due_at, 20, 1) = '.'
            THEN CAST(substr(substr(due_at, 21, length(due_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(due_at) = 'text'
      AND due_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(due_at) = 25 OR (substr(due_at, 20, 1) = '.' AND length(due_at) BETWEEN 27 AND 35
           AND substr(due_at, 21, length(due_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE assignments SET remind_at = unixepoch(substr(remind_at, 1, 19) || substr(remind_at, -6)) * 1000000000
        + CASE WHEN substr(remind_at, 20, 1) = '.'
            THEN CAST(substr(substr(remind_at, 21, length(remind_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(remind_at) = 'text'
      AND remind_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(remind_at) = 25 OR (substr(remind_at, 20, 1) = '.' AND length(remind_at) BETWEEN 27 AND 35
           AND substr(remind_at, 21, length(remind_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE assignments SET reminded_at = unixepoch(substr(reminded_at, 1, 19) || substr(reminded_at, -6)) * 1000000000
        + CASE WHEN substr(reminded_at, 20, 1) = '.'
            THEN CAST(substr(substr(reminded_at, 21, length(reminded_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(reminded_at) = 'text'
      AND reminded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(reminded_at) = 25 OR (substr(reminded_at, 20, 1) = '.' AND length(reminded_at) BETWEEN 27 AND 35
           AND substr(reminded_at, 21, length(reminded_at) - 26) NOT GLOB '*[^0-9]*'));
UPDATE assignments SET answered_at = unixepoch(substr(answered_at, 1, 19) || substr(answered_at, -6)) * 1000000000
        + CASE WHEN substr(answered_at, 20, 1) = '.'
            THEN CAST(substr(substr(answered_at, 21, length(answered_at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(answered_at) = 'text'
      AND answered_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(answered_at) = 25 OR (substr(answered_at, 20, 1) = '.' AND length(answered_at) BETWEEN 27 AND 35
           AND substr(answered_at, 21, length(answered_at) - 26) NOT GLOB '*[^0-9]*'));
