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
	index := flag.Bool("index", false, "internal: the second step, indexing")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "tokenindex: -db is required")
		os.Exit(2)
	}
	var err error
	if *index {
		err = reindex(*path)
	} else if err = rewind(*path, *n); err == nil {
		// A process of its own, so that its disk writes are the
		// indexer's alone.
		self, _ := os.Executable()
		cmd := exec.Command(self, "-db", *path, "-index")
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

// rewind takes the newest n leads out of the token index.
func rewind(path string, n int) error {
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
		_, err := tx.Exec(ctx, `UPDATE index_cursors SET position = ? WHERE name = 'lead_company_tokens'`, last-int64(n))
		return err
	})
}

// reindex runs the indexer until it has caught up.
func reindex(path string) error {
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
	if err := db.Close(); err != nil {
		return err
	}
	d, w := time.Since(t0), writtenBytes()-w0
	fmt.Printf("indexed %d leads in %s (%.0f leads/s); %.0f MB written, %.0f KB a lead\n",
		n, d.Round(time.Millisecond), float64(n)/d.Seconds(), float64(w)/1e6, float64(w)/1e3/float64(max(n, 1)))
	return nil
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
