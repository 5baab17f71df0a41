-- The intake writer keeps the partners and notification recipients it
-- reads between batches (on PostgreSQL each read is a round trip the one
-- writer waits for). directory_version counts the changes to what those
-- reads return; a batch reads it first and drops what it kept when it
-- moved. Triggers count the changes, so no code path that writes these
-- tables can forget to.
-- Keep in step with ../sqlite/0015_directory_version.sql.
CREATE TABLE directory_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO directory_version (id, n) VALUES (1, 0);
CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_version SET n = n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER partners_directory AFTER INSERT OR UPDATE OR DELETE ON partners FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER partner_domains_directory AFTER INSERT OR UPDATE OR DELETE ON partner_domains FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER partner_countries_directory AFTER INSERT OR UPDATE OR DELETE ON partner_countries FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER notification_prefs_directory AFTER INSERT OR UPDATE OR DELETE ON notification_prefs FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
-- users: only the columns a recipient is read with (not the digest's clock).
CREATE TRIGGER users_directory AFTER INSERT OR DELETE OR UPDATE OF email, name, role, partner_id, lang ON users FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
