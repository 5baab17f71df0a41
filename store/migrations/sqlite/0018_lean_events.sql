-- A leaner timeline row (issue #14). Keep in step with
-- ../postgres/0018_lean_events.sql and store/events.go.
--
-- events.prev_hash is dropped: an event's link is the hash of the event
-- before it in its timeline, which the store reads from that event. Each
-- hash still covers its predecessor's, so the chain verifies as before.
--
-- events.at becomes an integer, nanoseconds since 1970 (UTC): 8 bytes
-- instead of the driver's 32 characters of text. The text the driver wrote
-- ('2006-01-02 15:04:05.999999999-07:00') converts exactly; a time in any
-- other form stays as it was, and the store reads both.
--
-- The append-only triggers are dropped around the conversion and
-- re-created.
DROP TRIGGER events_append_only_update;
DROP TRIGGER events_append_only_delete;

UPDATE events SET at = unixepoch(substr(at, 1, 19) || substr(at, -6)) * 1000000000
        + CASE WHEN substr(at, 20, 1) = '.'
            THEN CAST(substr(substr(at, 21, length(at) - 26) || '000000000', 1, 9) AS INTEGER)
            ELSE 0 END
    WHERE typeof(at) = 'text'
      AND at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*[+-][0-9][0-9]:[0-9][0-9]'
      AND (length(at) = 25 OR (substr(at, 20, 1) = '.' AND length(at) BETWEEN 27 AND 35
           AND substr(at, 21, length(at) - 26) NOT GLOB '*[^0-9]*'));
ALTER TABLE events DROP COLUMN prev_hash;

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
