package intake_test

import (
	"context"
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
// created (in the same transaction, a round later when they meet in one
// batch): the router runs once per lead and never again for a re-run batch.
func TestBatchWithRepeatedEmails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
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
					_, err := svc.Capture(context.Background(), admin, intake.Submission{LastName: "Twice", Email: fmt.Sprintf("p%d@twice.example", i/2), Company: "Twice GmbH"}, nil)
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
		leads, responses := leadsAndResponses(t, db)
		if leads != 512 || responses != 1024 {
			t.Fatalf("%d leads with %d responses, want 512 with 1,024", leads, responses)
		}
		if routed := router.routed.Load(); routed != 512 {
			t.Errorf("the router ran %d times for 512 new leads", routed)
		}
		t.Logf("%d commits for 1,024 submissions from 64 clients", w.Commits())
	})
}

// TestRepeatedEmailsCommitTogether: a batch in which every e-mail comes
// twice commits once, as one of as many different people does. How many
// submissions arrive together depends on the clients and on the machine's
// load (measured here under load: 149 to 283 commits for the same 1,024
// distinct submissions), so the test fills the writer's queue itself
// while the writer is held: 8 batches of 128 submissions each, from 128
// clients at once.
func TestRepeatedEmailsCommitTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		run := func(email func(i int) string) (commits int64) {
			db := storetest.MustOpen(t, engine)
			w := intake.NewWriter(db, 128)
			defer w.Close()
			svc := &intake.Service{DB: db, Writer: w, Router: &countingRouter{}}
			ctx := context.Background()
			for b := range 8 {
				// The writer is held once it runs the item: its batch is
				// formed, and what comes next waits in the queue.
				running, gate := make(chan struct{}), make(chan struct{})
				held := w.Submit(ctx, "", func(tx *store.Tx) error { close(running); <-gate; return nil })
				<-running
				var wg sync.WaitGroup
				errs := make([]error, 128)
				for i := range 128 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[i] = svc.Capture(ctx, admin, intake.Submission{LastName: "Together", Email: email(b*128 + i), Company: "Together GmbH"}, nil)
					}()
				}
				waitFor(t, func() bool { return w.Queued() == 128 })
				close(gate)
				wg.Wait()
				if err := held(); err != nil {
					t.Fatal(err)
				}
				for _, err := range errs {
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			if leads, responses := leadsAndResponses(t, db); responses != 1024 {
				t.Fatalf("%d leads with %d responses, want 1,024 responses", leads, responses)
			}
			return w.Commits()
		}
		twice := run(func(i int) string { return fmt.Sprintf("p%d@twice.example", i/2) })
		once := run(func(i int) string { return fmt.Sprintf("p%d@once.example", i) })
		// 8 batches and the 8 items that held the writer.
		if twice != 16 || once != 16 {
			t.Errorf("%d commits with every e-mail twice, %d with distinct e-mails; want 16 each", twice, once)
		}
	})
}

// leadsAndResponses returns how many leads are stored and how many
// responses they have together.
func leadsAndResponses(t *testing.T, db *store.DB) (leads, responses int) {
	t.Helper()
	ctx := context.Background()
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(responses), 0) FROM leads`).Scan(&leads, &responses)
	}); err != nil {
		t.Fatal(err)
	}
	return leads, responses
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 3000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	panic("timed out") // not t.Fatal: the writer is held, and Close would wait for it
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
