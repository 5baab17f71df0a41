package intake

import (
	"context"
	"errors"
	"sync"

	"github.com/leadrouter/leadrouter/store"
)

// Writer is the group-commit writer: work items arriving together run in
// one transaction (a failing item is taken out and the rest run again), and
// every caller is answered only after that transaction committed.
// Throughput so grows with concurrency instead of being bound by one fsync
// per lead.
type Writer struct {
	db       *store.DB
	items    chan *writeItem
	maxBatch int
	done     chan struct{}
	closeMu  sync.RWMutex
	closed   bool
}

type writeItem struct {
	ctx    context.Context
	email  string // the submission's e-mail, looked up for the batch at once
	fn     func(tx *store.Tx) error
	result chan error
}

// ErrWriterClosed is returned for work submitted after Close.
var ErrWriterClosed = errors.New("intake writer is closed")

// NewWriter starts a writer committing up to maxBatch items at a time: one
// per server process. (Parallel writers on PostgreSQL were measured slower:
// every lead's transaction holds its rotation row until commit, so they
// queue on it, and batches holding several rotation rows deadlock. Several
// server processes still each have a writer; a lost race on an open lead's
// e-mail or a deadlock between them is retried below.)
func NewWriter(db *store.DB, maxBatch int) *Writer {
	if maxBatch <= 0 {
		maxBatch = 128
	}
	workers := 1
	w := &Writer{db: db, items: make(chan *writeItem, maxBatch*4), maxBatch: maxBatch, done: make(chan struct{})}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); w.loop() }()
	}
	go func() { wg.Wait(); close(w.done) }()
	return w
}

// Do runs fn in the next group transaction and returns once it committed
// (nil) or failed (fn's error, or the commit's). email, if not empty, is
// looked up with the batch's others before the items run (see
// store.Tx.PrefetchEmails).
func (w *Writer) Do(ctx context.Context, email string, fn func(tx *store.Tx) error) error {
	w.closeMu.RLock()
	if w.closed {
		w.closeMu.RUnlock()
		return ErrWriterClosed
	}
	item := &writeItem{ctx: ctx, email: email, fn: fn, result: make(chan error, 1)}
	select {
	case w.items <- item:
	case <-ctx.Done():
		w.closeMu.RUnlock()
		return ctx.Err()
	}
	w.closeMu.RUnlock()
	// Wait for the outcome even if ctx ends: the item may be committing.
	return <-item.result
}

// Close stops accepting work, finishes what was queued and stops.
func (w *Writer) Close() {
	w.closeMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.items)
	}
	w.closeMu.Unlock()
	<-w.done
}

func (w *Writer) loop() {
	batch := make([]*writeItem, 0, w.maxBatch)
	for first := range w.items {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < w.maxBatch {
			select {
			case it, ok := <-w.items:
				if !ok {
					break fill
				}
				batch = append(batch, it)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

// commit runs a batch in one transaction. An item that fails makes the
// transaction roll back (on PostgreSQL a failed statement aborts it
// anyway); the failing item gets its error and the batch is run again
// without it, so one bad submission never fails its neighbours and nothing
// of it is half-written. Failures are rare (input is validated before it
// gets here), so this is cheaper than a savepoint per item.
func (w *Writer) commit(batch []*writeItem) {
	pending := batch
	var later []*writeItem
	defer func() {
		// Items that lost a race with another writer run again alone, now
		// that the other transaction committed.
		for _, it := range later {
			it.result <- w.db.Update(it.ctx, it.fn)
		}
	}()
	for len(pending) > 0 {
		var failed *writeItem
		var failure error
		err := w.db.UpdateBatch(func(tx *store.Tx) error {
			failed, failure = nil, nil
			emails := make([]string, 0, len(pending))
			for _, it := range pending {
				if it.email != "" {
					emails = append(emails, it.email)
				}
			}
			if err := tx.PrefetchEmails(context.Background(), emails); err != nil {
				return err
			}
			for _, it := range pending {
				if err := it.ctx.Err(); err != nil {
					failed, failure = it, err
					return errItemFailed
				}
				if err := it.fn(tx); err != nil {
					if store.IsTransient(err) {
						return err // the whole batch again (Update retries)
					}
					failed, failure = it, err
					return errItemFailed
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for _, it := range pending {
				it.result <- nil
			}
			return
		case errors.Is(err, errItemFailed):
			if errors.Is(failure, store.ErrOpenLeadExists) {
				later = append(later, failed)
			} else {
				failed.result <- failure
			}
			rest := make([]*writeItem, 0, len(pending)-1)
			for _, it := range pending {
				if it != failed {
					rest = append(rest, it)
				}
			}
			pending = rest
		default:
			// The transaction itself failed (e.g. the commit): each item
			// alone, so every caller learns its own fate.
			for _, it := range pending {
				it.result <- w.db.Update(it.ctx, it.fn)
			}
			return
		}
	}
}

var errItemFailed = errors.New("a batch item failed")
