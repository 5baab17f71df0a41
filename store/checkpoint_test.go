package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// TestCheckpointerKeepsWALBounded writes through the writer connection
// (which never checkpoints itself) in two rounds with a pause between:
// the background checkpointer copies the first round into the database
// during the pause, so the second round reuses the WAL file instead of
// growing it.
func TestCheckpointerKeepsWALBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	round := func(r int) int64 {
		for i := 0; i < 200; i++ {
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO t (payload) VALUES (?)`, fmt.Sprintf("round %d row %d %0400d", r, i, i))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Each round's rows reach the database file before the next round
	// (the checkpointer copies them), so the WAL is reused instead of
	// growing with every round. A reset can be missed now and then (a
	// reader still on an old snapshot when the writer starts), so the test
	// asks that the WAL stay well under what four rounds without
	// checkpoints would make.
	first := round(1)
	sizes := []int64{first}
	for r := 2; r <= 4; r++ {
		waitFor(t, func() bool { return rowsInDatabaseFile(t, path) == 200*(r-1) })
		sizes = append(sizes, round(r))
	}
	t.Logf("WAL size after each round: %v bytes", sizes)
	if last := sizes[len(sizes)-1]; last >= 3*first {
		t.Errorf("the WAL grew from %d to %d bytes over four rounds: the checkpointer did not copy the rounds into the database", first, last)
	}
	var n int
	if err := db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM t`).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	if n != 800 {
		t.Errorf("%d rows, want 800", n)
	}
}

// rowsInDatabaseFile counts t's rows in the database file alone, ignoring
// the WAL (immutable=1), without checkpointing anything itself.
func rowsInDatabaseFile(t *testing.T, path string) int {
	plain, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var n int
	if err := plain.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		return -1 // the table itself is not copied yet
	}
	return n
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out waiting for the checkpointer")
}
