// Command sqlitedriver compares the two SQLite drivers for Go on the work
// that costs the one writer most: single entries inserted at random
// places of a large WITHOUT ROWID table (what the token indexer does,
// about 13 entries a lead), with synchronous=FULL, and point and range
// reads. leadrouter uses modernc.org/sqlite (SQLite translated to Go, no
// cgo); github.com/mattn/go-sqlite3 compiles SQLite's C with cgo.
//
// It is a module of its own so that leadrouter's go.mod does not take a
// cgo driver it does not use. Build it (the first build compiles SQLite's
// C, about a minute), preload a file once, then run each driver on a copy:
//
//	cd bench/sqlitedriver && go build -o /tmp/sqlitedriver .
//	/tmp/sqlitedriver -db /tmp/drv.db -preload 2000000
//	cp /tmp/drv.db /tmp/a.db && cp /tmp/drv.db /tmp/b.db
//	/tmp/sqlitedriver -db /tmp/a.db -driver sqlite3
//	/tmp/sqlitedriver -db /tmp/b.db -driver sqlite
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

func main() {
	driver := flag.String("driver", "sqlite", "sqlite (modernc.org/sqlite) or sqlite3 (github.com/mattn/go-sqlite3)")
	path := flag.String("db", "/tmp/drv.db", "database file")
	preload := flag.Int("preload", 0, "make a new file with this many entries (and a tenth as many rows in a second table), then stop")
	n := flag.Int("n", 100000, "entries to insert, 2,000 a transaction; a quarter as many of each read")
	flag.Parse()

	dsn := "file:" + *path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)"
	if *driver == "sqlite3" {
		dsn = "file:" + *path + "?_journal_mode=WAL&_synchronous=FULL&_cache_size=-32768"
	}
	if *preload > 0 {
		if err := os.Remove(*path); err != nil && !os.IsNotExist(err) {
			log.Fatal(err)
		}
	}
	db, err := sql.Open(*driver, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	if *preload > 0 {
		if err := fill(db, *preload); err != nil {
			log.Fatal(err)
		}
		return
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM rows`).Scan(&rows); err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	for i := 0; i < *n; i += 2000 {
		if err := inTx(db, func(tx *sql.Tx) error {
			return insertEntries(tx, r, 2000)
		}); err != nil {
			log.Fatal(err)
		}
	}
	insert := time.Since(start)

	start = time.Now()
	for i := 0; i < *n/4; i++ {
		p := word(r, 3)
		var c int
		if err := db.QueryRow(`SELECT count(*) FROM entries WHERE token >= ? AND token < ?`, p, p+"b").Scan(&c); err != nil {
			log.Fatal(err)
		}
	}
	rng := time.Since(start)

	start = time.Now()
	for i := 0; i < *n/4; i++ {
		var email, company string
		if err := db.QueryRow(`SELECT email, company FROM rows WHERE id = ?`, 1+r.Intn(rows)).Scan(&email, &company); err != nil {
			log.Fatal(err)
		}
	}
	point := time.Since(start)

	per := func(d time.Duration, k int) float64 { return float64(d.Microseconds()) / float64(k) }
	fmt.Printf("%s: insert %.1f µs an entry, range read %.1f µs, point read %.1f µs\n",
		*driver, per(insert, *n), per(rng, *n/4), per(point, *n/4))
}

// fill makes the tables: entries shaped like company_tokens, rows like a
// lead's few columns.
func fill(db *sql.DB, n int) error {
	if _, err := db.Exec(`CREATE TABLE entries (token TEXT NOT NULL, kind TEXT NOT NULL, ref_id TEXT NOT NULL,
		PRIMARY KEY (token, kind, ref_id)) WITHOUT ROWID`); err != nil {
		return err
	}
	if _, err := db.Exec(`CREATE TABLE rows (id INTEGER PRIMARY KEY, email TEXT, company TEXT, created INTEGER)`); err != nil {
		return err
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < n; i += 10000 {
		if err := inTx(db, func(tx *sql.Tx) error {
			if err := insertEntries(tx, r, 10000); err != nil {
				return err
			}
			for j := 0; j < 1000; j++ {
				if _, err := tx.Exec(`INSERT INTO rows (email, company, created) VALUES (?, ?, ?)`,
					word(r, 12)+"@example.com", word(r, 30), time.Now().UnixNano()); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	_, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func insertEntries(tx *sql.Tx, r *rand.Rand, k int) error {
	st, err := tx.Prepare(`INSERT OR IGNORE INTO entries (token, kind, ref_id) VALUES (?, 'c', ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for j := 0; j < k; j++ {
		if _, err := st.Exec(word(r, 7), word(r, 26)); err != nil {
			return err
		}
	}
	return nil
}

func inTx(db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func word(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.Intn(26))
	}
	return string(b)
}
