-- The timeline heads as one B-tree keyed by subject (issue #14). As a
-- rowid table with a TEXT primary key, every head was stored twice: the
-- row, and the primary key's index of subject to rowid, which every new
-- lead added an entry to (about 42 bytes a lead). WITHOUT ROWID keeps the
-- row in the primary key's B-tree; nothing reads a head's rowid.
-- PostgreSQL has no such layout; ../postgres/0022_event_heads_clustered.sql
-- only keeps the numbering in step.
CREATE TABLE event_heads_clustered (
    subject TEXT PRIMARY KEY,
    n       INTEGER NOT NULL,
    ckpt    INTEGER NOT NULL DEFAULT 0,
    hash    BLOB NOT NULL DEFAULT X''
) WITHOUT ROWID;
INSERT INTO event_heads_clustered (subject, n, ckpt, hash) SELECT subject, n, ckpt, hash FROM event_heads;
DROP TABLE event_heads;
ALTER TABLE event_heads_clustered RENAME TO event_heads;
CREATE INDEX event_heads_unckpt ON event_heads (subject) WHERE ckpt = 0;
