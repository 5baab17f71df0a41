package intake_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// mustStoreLeads stores n leads with distinct company names, per
// transaction up to 100, and returns their ids.
func mustStoreLeads(tb testing.TB, db *store.DB, prefix string, n int) []string {
	tb.Helper()
	var ids []string
	for lo := 0; lo < n; lo += 100 {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for i := lo; i < min(lo+100, n); i++ {
				l := leadrouter.Lead{ID: leadrouter.NewID("lead"), Status: leadrouter.StatusNew, LastName: "Person", Country: "DE",
					Source: leadrouter.SourceCall, Email: fmt.Sprintf("p%d@%s.example", i, prefix),
					Company: fmt.Sprintf("Zebulon %s Werke %d", prefix, i), Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}}
				if err := tx.InsertLead(context.Background(), &l); err != nil {
					return err
				}
				ids = append(ids, l.ID)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// indexedLeads counts the leads that have company tokens.
func indexedLeads(tb testing.TB, db *store.DB) int {
	tb.Helper()
	var n int
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(DISTINCT ref_id) FROM company_tokens WHERE kind = 'lead'`).Scan(&n)
	}); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestIndexerResumesFromItsCursor: a process killed in the middle of an
// indexing transaction (here: one that never commits) leaves the cursor
// where the last commit put it; the next process indexes from there,
// leads stored meanwhile included, each once and none missed.
func TestIndexerResumesFromItsCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		mustStoreLeads(t, db, "first", 1200)
		if n := indexedLeads(t, db); n != 0 {
			t.Fatalf("%d leads indexed before the indexer ran, want 0", n)
		}
		// The first process commits one batch, then dies inside the next.
		// (On PostgreSQL the indexer waits for transactions older than the
		// leads, other tests' too: the batches may come short, so the
		// test counts rather than expects 500.)
		first := 0
		for deadline := time.Now().Add(30 * time.Second); first == 0 && time.Now().Before(deadline); {
			if err := db.Update(ctx, func(tx *store.Tx) (err error) {
				first, err = tx.IndexLeadCompanies(ctx, 500)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if first == 0 || first > 500 {
			t.Fatalf("first batch: %d leads, want 1 to 500", first)
		}
		killed := errors.New("killed")
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.IndexLeadCompanies(ctx, 500); err != nil {
				t.Error(err)
			}
			return killed
		}); !errors.Is(err, killed) {
			t.Fatal(err)
		}
		if n := indexedLeads(t, db); n != first {
			t.Fatalf("%d leads indexed after the crash, want the committed %d", n, first)
		}
		mustStoreLeads(t, db, "second", 150)
		// The next process.
		ix := &intake.Indexer{DB: db}
		rest := 0
		for deadline := time.Now().Add(30 * time.Second); first+rest < 1350 && time.Now().Before(deadline); {
			n, err := ix.IndexCompanies(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rest += n
		}
		if first+rest != 1350 {
			t.Fatalf("after the restart the indexer read %d leads; want %d (each lead once)", rest, 1350-first)
		}
		if n := indexedLeads(t, db); n != 1350 {
			t.Fatalf("%d leads indexed, want all 1350", n)
		}
		if again, err := ix.IndexCompanies(ctx); err != nil || again != 0 {
			t.Fatalf("a run with nothing new read %d, %v", again, err)
		}
		// Found by a word of the company now.
		page, err := lookupLeads(ctx, db, "Zebulon second")
		if err != nil || len(page) != 150 {
			t.Fatalf("by company words: %d leads, %v; want 150", len(page), err)
		}
	})
}

func lookupLeads(ctx context.Context, db *store.DB, company string) ([]leadrouter.Lead, error) {
	var out []leadrouter.Lead
	err := db.View(ctx, func(tx *store.Tx) error {
		page, err := tx.Leads(ctx, leadrouter.System, leadrouter.LeadFilter{Company: company, Limit: 500})
		out = page.Items
		return err
	})
	return out, err
}

// TestIndexersConcurrently: two indexers (two processes) run while leads
// are being stored in concurrent transactions; together they read every
// lead exactly once.
func TestIndexersConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		const writers, perWriter = 4, 300
		var read atomic.Int64
		var writing sync.WaitGroup
		for w := range writers {
			writing.Add(1)
			go func() {
				defer writing.Done()
				mustStoreLeads(t, db, fmt.Sprintf("w%d", w), perWriter)
			}()
		}
		done := make(chan struct{})
		var indexing sync.WaitGroup
		for range 2 {
			indexing.Add(1)
			go func() {
				defer indexing.Done()
				ix := &intake.Indexer{DB: db}
				deadline := time.Now().Add(time.Minute)
				for time.Now().Before(deadline) {
					n, err := ix.IndexCompanies(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					read.Add(int64(n))
					select {
					case <-done:
						if read.Load() >= writers*perWriter {
							return
						}
					default:
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		writing.Wait()
		close(done)
		indexing.Wait()
		if got := read.Load(); got != writers*perWriter {
			t.Fatalf("the indexers read %d leads, want each of %d once", got, writers*perWriter)
		}
		if n := indexedLeads(t, db); n != writers*perWriter {
			t.Fatalf("%d leads indexed, want %d", n, writers*perWriter)
		}
	})
}
