package intake_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// countingRouter is queueRouter counting its decisions.
type countingRouter struct {
	queueRouter
	routed atomic.Int64
}

func (r *countingRouter) Route(ctx context.Context, tx *store.Tx, in intake.RouteInput) (leadrouter.Decision, error) {
	r.routed.Add(1)
	return r.queueRouter.Route(ctx, tx, in)
}

// TestBatchWithRepeatedEmails: 1,024 submissions from 64 clients, every
// e-mail twice. The second of each is a response on the lead the first
// created (in the same transaction, a round later): the router runs once
// per lead and never again for a re-run batch, and the writer commits
// about as often as for 1,024 different people.
func TestBatchWithRepeatedEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		run := func(emails func(i int) string) (routed, commits int64, leads, responses int) {
			db := storetest.MustOpen(t, engine)
			w := intake.NewWriter(db, 128)
			defer w.Close()
			router := &countingRouter{}
			svc := &intake.Service{DB: db, Writer: w, Router: router}
			var wg sync.WaitGroup
			work := make(chan int)
			errs := make(chan error, 1024)
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						_, err := svc.Capture(context.Background(), admin, intake.Submission{LastName: "Twice", Email: emails(i), Company: "Twice GmbH"}, nil)
						errs <- err
					}
				}()
			}
			for i := range 1024 {
				work <- i
			}
			close(work)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(responses), 0) FROM leads`).Scan(&leads, &responses)
			}); err != nil {
				t.Fatal(err)
			}
			return router.routed.Load(), w.Commits(), leads, responses
		}
		// The commit counts depend on how the clients' submissions happen
		// to arrive together, which the machine's load sways: the two
		// cases run in turns, twice each, and are compared in sum.
		var commits, distinctCommits int64
		for round := range 2 {
			routed, c, leads, responses := run(func(i int) string { return fmt.Sprintf("p%d@twice%d.example", i/2, round) })
			if leads != 512 || responses != 1024 {
				t.Fatalf("%d leads with %d responses, want 512 with 1,024", leads, responses)
			}
			if routed != 512 {
				t.Errorf("the router ran %d times for 512 new leads", routed)
			}
			_, d, _, _ := run(func(i int) string { return fmt.Sprintf("p%d@once%d.example", i, round) })
			commits, distinctCommits = commits+c, distinctCommits+d
		}
		t.Logf("%d commits with every e-mail twice, %d with distinct e-mails (two runs each)", commits, distinctCommits)
		if commits > 2*distinctCommits {
			t.Errorf("%d commits with every e-mail twice, more than twice the %d of distinct e-mails", commits, distinctCommits)
		}
	})
}

// TestWriterSurvivesAPanic: a write that panics fails its own caller with
// an internal error; its neighbours commit and the writer goes on.
func TestWriterSurvivesAPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db := storetest.MustOpen(t, engine)
		w := intake.NewWriter(db, 16)
		defer w.Close()
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.Do(ctx, "", func(tx *store.Tx) error {
					if i == 3 {
						panic("a bug")
					}
					_, err := tx.AppendEvent(ctx, fmt.Sprintf("acc_panic%d", i), "note", admin, nil)
					return err
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (i == 3) != (err != nil) {
				t.Errorf("item %d: %v", i, err)
			}
		}
		if leadrouter.ErrorCode(errs[3]) != leadrouter.EINTERNAL {
			t.Errorf("the panic came back as %v, want an internal error", errs[3])
		}
		if err := w.Do(ctx, "", func(tx *store.Tx) error { return nil }); err != nil {
			t.Fatalf("the writer after a panic: %v", err)
		}
		var n int
		_ = db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM events WHERE subject LIKE 'acc_panic%'`).Scan(&n)
		})
		if n != 7 {
			t.Errorf("%d events stored, want the 7 of the items that did not panic", n)
		}
	})
}
