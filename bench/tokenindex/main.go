// Command tokenindex measures the company-token indexer on a SQLite file
// as large as a real one: it takes the last -leads leads of the file out
// of the token index (their tokens deleted, the indexer's cursor moved
// back before them), then, in a second process of its own, indexes them
// again as the server's indexer does (intake.Indexer), and prints the
// time and the bytes the process wrote to disk (/proc/self/io: the WAL
// and the checkpoints). It changes the file: run it on a copy.
//
//	cp /tmp/b1m.db /tmp/copy.db    # a file bench/ingest preloaded
//	go run ./bench/tokenindex -db /tmp/copy.db -leads 20000
//
// -two-level measures an index in two levels instead, a design the
// product does not have: the large index is set aside, the indexer writes
// the leads' tokens into an empty one, and those are then merged into the
// large one in key order, -chunk rows a transaction. It prints the time
// and bytes of both steps, to compare with a run without it on another
// copy of the same file.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

func main() {
	path := flag.String("db", "", "a SQLite file (a copy: it is changed)")
	n := flag.Int("leads", 20_000, "how many of the newest leads to index again")
	twoLevel := flag.Bool("two-level", false, "index into an empty table, then merge it into the large one in key order")
	chunk := flag.Int("chunk", 20_000, "with -two-level: index rows a merge transaction moves")
	index := flag.Bool("index", false, "internal: the second step, indexing")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "tokenindex: -db is required")
		os.Exit(2)
	}
	var err error
	if *index {
		err = reindex(*path, *twoLevel, *chunk)
	} else if err = rewind(*path, *n, *twoLevel); err == nil {
		// A process of its own, so that its disk writes are the
		// indexer's alone.
		self, _ := os.Executable()
		cmd := exec.Command(self, "-db", *path, "-index", "-two-level="+strconv.FormatBool(*twoLevel), "-chunk", strconv.Itoa(*chunk))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		err = cmd.Run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokenindex:", err)
		os.Exit(1)
	}
}

func open(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// rewind takes the newest n leads out of the token index; with twoLevel
// it then sets the index aside as company_tokens_large and leaves an
// empty company_tokens for the indexer to write.
func rewind(path string, n int, twoLevel bool) error {
	ctx := context.Background()
	db, err := open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(ctx, func(tx *store.Tx) error {
		var last int64
		if err := tx.QueryRow(ctx, `SELECT MAX(rowid) FROM leads`).Scan(&last); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM company_tokens WHERE kind = 'lead' AND ref_id IN (SELECT id FROM leads WHERE rowid > ?)`, last-int64(n)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE index_cursors SET position = ? WHERE name = 'lead_company_tokens'`, last-int64(n)); err != nil || !twoLevel {
			return err
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE company_tokens RENAME TO company_tokens_large`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE company_tokens (token TEXT NOT NULL, kind TEXT NOT NULL, ref_id TEXT NOT NULL,
			PRIMARY KEY (token, kind, ref_id)) WITHOUT ROWID`)
		return err
	})
}

// reindex runs the indexer until it has caught up; with twoLevel it then
// merges what it wrote into company_tokens_large, chunk rows a
// transaction in key order.
func reindex(path string, twoLevel bool, chunk int) error {
	ctx := context.Background()
	db, err := open(ctx, path)
	if err != nil {
		return err
	}
	ix := &intake.Indexer{DB: db}
	w0, t0 := writtenBytes(), time.Now()
	n, err := ix.IndexCompanies(ctx)
	if err != nil {
		return err
	}
	if !twoLevel {
		if err := db.Close(); err != nil {
			return err
		}
		report("indexed", n, time.Since(t0), writtenBytes()-w0)
		return nil
	}
	d, w := time.Since(t0), writtenBytes()-w0
	report("indexed into an empty table", n, d, w)
	w1, t1 := writtenBytes(), time.Now()
	for moved := chunk; moved == chunk; {
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO company_tokens_large (token, kind, ref_id)
				SELECT token, kind, ref_id FROM company_tokens WHERE true ORDER BY token, kind, ref_id LIMIT ? ON CONFLICT DO NOTHING`, chunk)
			if err != nil {
				return err
			}
			r, err := tx.Exec(ctx, `DELETE FROM company_tokens WHERE (token, kind, ref_id) IN
				(SELECT token, kind, ref_id FROM company_tokens ORDER BY token, kind, ref_id LIMIT ?)`, chunk)
			if err != nil {
				return err
			}
			m, err := r.RowsAffected()
			moved = int(m)
			return err
		})
		if err != nil {
			return err
		}
	}
	if err := db.Close(); err != nil {
		return err
	}
	report("merged into the large table", n, time.Since(t1), writtenBytes()-w1)
	report("both steps", n, time.Since(t0), writtenBytes()-w0)
	return nil
}

func report(what string, n int, d time.Duration, w int64) {
	fmt.Printf("%s: %d leads in %s (%.0f leads/s); %.0f MB written, %.0f KB a lead\n",
		what, n, d.Round(time.Millisecond), float64(n)/d.Seconds(), float64(w)/1e6, float64(w)/1e3/float64(max(n, 1)))
}

// writtenBytes is what this process has written to disk so far.
func writtenBytes() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
