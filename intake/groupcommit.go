package intake

import (
	"context"
	"errors"
	"sync"

	"github.com/leadrouter/leadrouter/store"
)

// Writer is the group-commit writer: work items arriving together run in
// one transaction, each inside a savepoint of its own (a failing item is
// undone alone), and every caller is answered only after that transaction
// committed. Throughput so grows with concurrency instead of being bound by
// one fsync per lead.
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
	fn     func(tx *store.Tx) error
	result chan error
}

// ErrWriterClosed is returned for work submitted after Close.
var ErrWriterClosed = errors.New("intake writer is closed")

// NewWriter starts a writer committing up to maxBatch items at a time.
func NewWriter(db *store.DB, maxBatch int) *Writer {
	if maxBatch <= 0 {
		maxBatch = 128
	}
	w := &Writer{db: db, items: make(chan *writeItem, maxBatch*4), maxBatch: maxBatch, done: make(chan struct{})}
	go w.loop()
	return w
}

// Do runs fn in the next group transaction and returns once it committed
// (nil) or failed (fn's error, or the commit's).
func (w *Writer) Do(ctx context.Context, fn func(tx *store.Tx) error) error {
	w.closeMu.RLock()
	if w.closed {
		w.closeMu.RUnlock()
		return ErrWriterClosed
	}
	item := &writeItem{ctx: ctx, fn: fn, result: make(chan error, 1)}
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
	defer close(w.done)
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

// commit runs a batch in one transaction. If the transaction as a whole
// fails (e.g. the commit), each item is retried alone so one bad item
// cannot fail its neighbours.
func (w *Writer) commit(batch []*writeItem) {
	results := make([]error, len(batch))
	err := w.db.Update(context.Background(), func(tx *store.Tx) error {
		for i, it := range batch {
			results[i] = nil
			if err := it.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if err := tx.Savepoint(it.ctx, "item"); err != nil {
				return err
			}
			if err := it.fn(tx); err != nil {
				results[i] = err
				if rbErr := tx.RollbackTo(context.Background(), "item"); rbErr != nil {
					return rbErr
				}
			}
			if err := tx.Release(context.Background(), "item"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, it := range batch {
			it.result <- w.db.Update(it.ctx, it.fn)
		}
		return
	}
	for i, it := range batch {
		if err != nil {
			it.result <- err
		} else {
			it.result <- results[i]
		}
	}
}
