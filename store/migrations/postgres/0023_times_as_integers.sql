-- SQLite's 0023 stores the times of leads, consent records and
-- assignments as integers of nanoseconds, as 0018 did for events.
-- PostgreSQL's timestamptz takes 8 bytes already; this file keeps the two
-- engines' migrations numbered alike.
SELECT 1;
