package intake

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/leadrouter/leadrouter/store"
)

// Writer is the group-commit writer: work items arriving together run in
// one transaction (each under a savepoint, so a failing one takes nothing
// of its neighbours with it), and
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
	// commits counts the transactions committed.
	commits atomic.Int64
}

// Commits is how many transactions the writer has committed: one per
// batch, and one per item it had to run alone.
func (w *Writer) Commits() int64 { return w.commits.Load() }

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
	return w.Submit(ctx, email, fn)()
}

// Submit queues fn like Do and returns at once; the function it returns
// waits for the outcome. Items submitted one after another by one caller
// run in that order.
func (w *Writer) Submit(ctx context.Context, email string, fn func(tx *store.Tx) error) (wait func() error) {
	w.closeMu.RLock()
	if w.closed {
		w.closeMu.RUnlock()
		return func() error { return ErrWriterClosed }
	}
	item := &writeItem{ctx: ctx, email: email, fn: fn, result: make(chan error, 1)}
	select {
	case w.items <- item:
	case <-ctx.Done():
		w.closeMu.RUnlock()
		err := ctx.Err()
		return func() error { return err }
	}
	w.closeMu.RUnlock()
	// Wait for the outcome even if ctx ends: the item may be committing.
	return func() error { return <-item.result }
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

// commit runs a batch in one transaction. Each item runs under a
// savepoint (store.Batch.Item): one that fails or panics gets its own
// error and leaves nothing behind, and its neighbours go on. Items with an
// e-mail already taken by an earlier item of the batch wait for a later
// round of the same transaction, after the earlier rounds' rows are
// written (store.Batch.Flush): so the second submission of one person
// finds the lead the first created and is recorded as a response on it,
// in the order they arrived, without a rollback or a commit of its own.
func (w *Writer) commit(batch []*writeItem) {
	results := make([]error, len(batch))
	rounds := rounds(batch)
	err := w.db.RunBatch(func(b *store.Batch) error {
		clear(results) // RunBatch may run this again after a transient conflict
		for r, round := range rounds {
			if r > 0 {
				if err := b.Flush(context.Background()); err != nil {
					return err
				}
			}
			emails := make([]string, 0, len(round))
			for _, i := range round {
				if e := batch[i].email; e != "" {
					emails = append(emails, e)
				}
			}
			if err := b.PrefetchEmails(context.Background(), emails); err != nil {
				return err
			}
			for _, i := range round {
				it := batch[i]
				if err := it.ctx.Err(); err != nil {
					results[i] = err
					continue
				}
				err := b.Item(it.ctx, it.fn)
				if store.IsTransient(err) {
					return err // the whole batch again
				}
				results[i] = err
			}
		}
		return nil
	})
	if err != nil {
		// The transaction itself failed (its deferred writes met an open
		// lead another process stored meanwhile, the commit, a conflict
		// past the retries): each item alone, so every caller learns its
		// own fate.
		for _, it := range batch {
			it.result <- w.runAlone(it)
		}
		return
	}
	w.commits.Add(1)
	for i, it := range batch {
		if errors.Is(results[i], store.ErrOpenLeadExists) {
			// It lost a race with another process's writer: alone, now
			// that the other transaction committed.
			results[i] = w.runAlone(it)
		}
		it.result <- results[i]
	}
}

// rounds splits a batch into rounds of item indexes, in arrival order, so
// that no e-mail comes twice in one round.
func rounds(batch []*writeItem) [][]int {
	var out [][]int
	round := map[string]int{} // e-mail → the round its last item is in
	for i, it := range batch {
		r := 0
		if it.email != "" {
			if last, ok := round[it.email]; ok {
				r = last + 1
			}
			round[it.email] = r
		}
		for len(out) <= r {
			out = append(out, nil)
		}
		out[r] = append(out[r], i)
	}
	return out
}

// runAlone runs one item in a transaction of its own; a panic is its own
// internal error, not the process's end.
func (w *Writer) runAlone(it *writeItem) error {
	if err := it.ctx.Err(); err != nil {
		return err
	}
	err := w.db.Update(it.ctx, func(tx *store.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic in a write: %v", p)
			}
		}()
		return it.fn(tx)
	})
	if err == nil {
		w.commits.Add(1)
	}
	return err
}
