package store_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/leadrouter/leadrouter/store"
)

// TestStatementCache drives the caching SQLite driver through
// database/sql: statements outlive their transactions, the same query
// prepared twice at once gets two statements, and many distinct queries
// (beyond the cache's bound) all still answer right.
func TestStatementCache(t *testing.T) {
	db, err := sql.Open(store.SQLiteDriver(), "file:"+filepath.Join(t.TempDir(), "cache.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO t (id, v) VALUES (?, ?)`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Exec(i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}

	// The same query twice, both result sets open at once.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	const q = `SELECT id FROM t WHERE id < ? ORDER BY id`
	st1, err := tx.Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := tx.Prepare(q)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := st1.Query(10)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := st2.Query(5)
	if err != nil {
		t.Fatal(err)
	}
	var n1, n2 int
	for r1.Next() {
		if r2.Next() {
			n2++
		}
		n1++
	}
	r1.Close()
	r2.Close()
	if n1 != 10 || n2 != 5 {
		t.Errorf("interleaved result sets: %d and %d rows, want 10 and 5", n1, n2)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// More distinct statements than the cache keeps.
	for i := 0; i < 300; i++ {
		var v string
		st, err := db.Prepare(fmt.Sprintf(`SELECT v FROM t WHERE id = ? AND %d = %d`, i, i))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.QueryRow(i % 50).Scan(&v); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if v != fmt.Sprint("v", i%50) {
			t.Fatalf("query %d: %q, want v%d", i, v, i%50)
		}
	}
	// A schema change under cached statements: SQLite prepares them again.
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	var v string
	st, err := db.Prepare(`SELECT v FROM t WHERE id = ? AND 299 = 299`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.QueryRow(1).Scan(&v); err != nil || v != "v1" {
		t.Fatalf("after ALTER TABLE: %q, %v", v, err)
	}
}
