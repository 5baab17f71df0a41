package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFiles embed.FS

// Migrate applies the engine's numbered migrations that have not run yet,
// each in its own transaction, and returns how many it applied. Concurrent
// callers on PostgreSQL are serialised by an advisory lock.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	return db.MigrateTo(ctx, math.MaxInt)
}

// MigrateTo is Migrate up to and including version last: tests use it to
// build a database as an older release left it.
func (db *DB) MigrateTo(ctx context.Context, last int) (int, error) {
	dir := "migrations/" + string(db.engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return 0, fmt.Errorf("read migrations: %w", err)
	}
	type migration struct {
		version int
		name    string
	}
	var all []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return 0, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		all = append(all, migration{v, e.Name()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })

	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7406091)"); err != nil {
			return 0, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7406091)")
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("migrate: read versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		applied[v] = true
	}
	rows.Close()
	n := 0
	for _, m := range all {
		if applied[m.version] || m.version > last {
			continue
		}
		body, err := migrationFiles.ReadFile(dir + "/" + m.name)
		if err != nil {
			return n, err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return n, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.rebind("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"), m.version, m.name); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: record: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("migration %s: commit: %w", m.name, err)
		}
		n++
	}
	return n, nil
}
