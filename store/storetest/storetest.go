// Package storetest opens fresh, migrated databases for tests: a SQLite file
// in a temporary directory always, and a PostgreSQL schema of its own when
// LEADROUTER_TEST_POSTGRES holds a URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// Engines returns the engines the suite runs on: SQLite always, PostgreSQL
// when LEADROUTER_TEST_POSTGRES is set.
func Engines() []store.Engine {
	if os.Getenv("LEADROUTER_TEST_POSTGRES") != "" {
		return []store.Engine{store.SQLite, store.Postgres}
	}
	return []store.Engine{store.SQLite}
}

// Each runs fn as a subtest once per engine.
func Each(t *testing.T, fn func(t *testing.T, engine store.Engine)) {
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// MustURL returns the URL of a new, empty database of engine, dropped when
// the test ends: a SQLite file, or a PostgreSQL schema selected through
// search_path.
func MustURL(tb testing.TB, engine store.Engine) string {
	tb.Helper()
	switch engine {
	case store.Postgres:
		base := os.Getenv("LEADROUTER_TEST_POSTGRES")
		if base == "" {
			tb.Skip("LEADROUTER_TEST_POSTGRES is not set")
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		schema := "t_" + hex.EncodeToString(b[:])
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatalf("open postgres: %v", err)
		}
		defer admin.Close()
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			tb.Fatalf("create schema: %v", err)
		}
		tb.Cleanup(func() {
			admin, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer admin.Close()
			_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		})
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatalf("parse LEADROUTER_TEST_POSTGRES: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	default:
		return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
	}
}

// AuditKey is the audit key of the databases MustOpen opens.
var AuditKey = []byte("storetest audit key: 32 bytes or more of it")

// MustOpen opens a new, migrated database of engine, closed when the test
// ends.
func MustOpen(tb testing.TB, engine store.Engine) *store.DB {
	tb.Helper()
	return MustOpenURL(tb, MustURL(tb, engine))
}

// MustOpenURL opens and migrates the database at rawURL, closed when the
// test ends.
func MustOpenURL(tb testing.TB, rawURL string) *store.DB {
	tb.Helper()
	return MustOpenWith(tb, rawURL, store.Options{})
}

// MustOpenWith is MustOpenURL with opts (the test's audit key, match keys,
// a low bcrypt cost and SQLite's NORMAL sync filled in).
func MustOpenWith(tb testing.TB, rawURL string, opts store.Options) *store.DB {
	tb.Helper()
	opts.SQLiteSynchronous, opts.AuditKey, opts.MatchKeys, opts.BcryptCost = "NORMAL", AuditKey, match.Keys{}, 4
	db, err := store.Open(context.Background(), rawURL, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", rawURL, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return db
}

// MustOpenAt opens a new database of engine migrated up to migration
// last (to write rows as an older release did, then Migrate the rest),
// closed when the test ends.
func MustOpenAt(tb testing.TB, engine store.Engine, last int) *store.DB {
	tb.Helper()
	rawURL := MustURL(tb, engine)
	db, err := store.Open(context.Background(), rawURL, store.Options{SQLiteSynchronous: "NORMAL", AuditKey: AuditKey, MatchKeys: match.Keys{}, BcryptCost: 4})
	if err != nil {
		tb.Fatalf("open %s: %v", rawURL, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.MigrateTo(context.Background(), last); err != nil {
		tb.Fatalf("migrate to %d: %v", last, err)
	}
	return db
}

// MustIndexAll runs the lead indexer (company and person tokens) until no
// stored lead is left to it.
func MustIndexAll(tb testing.TB, db *store.DB) {
	tb.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var left int64
		if err := db.Update(context.Background(), func(tx *store.Tx) error {
			if _, err := tx.IndexLeadCompanies(context.Background(), 500); err != nil {
				return err
			}
			var err error
			left, err = tx.LeadsToIndex(context.Background())
			return err
		}); err != nil {
			tb.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d leads still to index", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// MustIndexLeads runs the company-token indexer until it has read want
// leads (on PostgreSQL it waits for every older transaction in the
// cluster, other tests' included, so one run may come short).
func MustIndexLeads(tb testing.TB, db *store.DB, want int) {
	tb.Helper()
	got := 0
	for deadline := time.Now().Add(30 * time.Second); got < want && time.Now().Before(deadline); {
		if err := db.Update(context.Background(), func(tx *store.Tx) error {
			n, err := tx.IndexLeadCompanies(context.Background(), 500)
			got += n
			return err
		}); err != nil {
			tb.Fatal(err)
		}
		if got < want {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if got != want {
		tb.Fatalf("the indexer read %d leads, want %d", got, want)
	}
}

// MustTamper runs statements as someone with write access to the database
// would, behind the events table's append-only triggers (dropped on
// SQLite, disabled on PostgreSQL, for the rest of the test's database).
func MustTamper(tb testing.TB, db *store.DB, statements ...string) {
	tb.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *store.Tx) error {
		if db.Engine() == store.Postgres {
			if _, err := tx.Exec(ctx, `ALTER TABLE events DISABLE TRIGGER events_append_only`); err != nil {
				return err
			}
		} else {
			for _, trg := range []string{"events_append_only_update", "events_append_only_delete"} {
				if _, err := tx.Exec(ctx, `DROP TRIGGER IF EXISTS `+trg); err != nil {
					return err
				}
			}
		}
		for _, q := range statements {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}
