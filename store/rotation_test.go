package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestDailyCapCheckHoldsUntilCommit runs the cap check of routing (how many
// did this partner get today? fewer than the cap: assign one more) in
// transactions of two handles (two server processes) at once, each pausing
// between the check and the assignment: with a cap of one, exactly one
// assignment is recorded.
func TestDailyCapCheckHoldsUntilCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		a, b := storetest.MustOpenURL(t, url), storetest.MustOpenURL(t, url)
		const day = "2026-12-02"
		var wg sync.WaitGroup
		assigned := make(chan bool, 8)
		for i := 0; i < 8; i++ {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Update(ctx, func(tx *store.Tx) error {
					n, err := tx.AssignedToday(ctx, "partner", "ptr_capped", day)
					if err != nil || n >= 1 {
						return err
					}
					time.Sleep(20 * time.Millisecond) // the window another process would use
					assigned <- true
					return tx.RecordAssignment(ctx, "partner", "ptr_capped", day)
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(assigned)
		var n int
		if err := a.View(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.AssignedToday(ctx, "partner", "ptr_capped", day)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d assignments recorded under a cap of one", n)
		}
	})
}
