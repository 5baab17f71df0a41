-- The intake writer keeps the partners and notification recipients it
-- reads between batches (on PostgreSQL each read is a round trip the one
-- writer waits for). directory_version counts the changes to what those
-- reads return; a batch reads it first and drops what it kept when it
-- moved. Triggers count the changes, so no code path that writes these
-- tables can forget to.
-- Keep in step with ../postgres/0015_directory_version.sql.
CREATE TABLE directory_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO directory_version (id, n) VALUES (1, 0);
CREATE TRIGGER partners_insert_directory AFTER INSERT ON partners BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partners_update_directory AFTER UPDATE ON partners BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partners_delete_directory AFTER DELETE ON partners BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_domains_insert_directory AFTER INSERT ON partner_domains BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_domains_update_directory AFTER UPDATE ON partner_domains BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_domains_delete_directory AFTER DELETE ON partner_domains BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_countries_insert_directory AFTER INSERT ON partner_countries BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_countries_update_directory AFTER UPDATE ON partner_countries BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER partner_countries_delete_directory AFTER DELETE ON partner_countries BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER notification_prefs_insert_directory AFTER INSERT ON notification_prefs BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER notification_prefs_update_directory AFTER UPDATE ON notification_prefs BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER notification_prefs_delete_directory AFTER DELETE ON notification_prefs BEGIN UPDATE directory_version SET n = n + 1; END;
-- users: only the columns a recipient is read with (not the digest's clock).
CREATE TRIGGER users_insert_directory AFTER INSERT ON users BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER users_update_directory AFTER UPDATE OF email, name, role, partner_id, lang ON users BEGIN UPDATE directory_version SET n = n + 1; END;
CREATE TRIGGER users_delete_directory AFTER DELETE ON users BEGIN UPDATE directory_version SET n = n + 1; END;
