-- A leaner timeline row (issue #14). Keep in step with
-- ../sqlite/0018_lean_events.sql and store/events.go.
--
-- events.prev_hash is dropped: an event's link is the hash of the event
-- before it in its timeline, which the store reads from that event. Each
-- hash still covers its predecessor's, so the chain verifies as before.
-- (events.at is a timestamptz here already: 8 bytes.)
ALTER TABLE events DROP COLUMN prev_hash;
