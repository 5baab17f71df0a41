package tracking

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ClickCount is a number of clicks on one partner's links on one day.
type ClickCount struct {
	PartnerID string
	Day       string // YYYY-MM-DD, UTC
	Count     int64
}

// ClickStore persists click counts; the store implements it.
type ClickStore interface {
	// AddClicks adds each count to the stored total of its partner and
	// day, all or none (one transaction): a failed call is retried with
	// the same counts.
	AddClicks(ctx context.Context, counts []ClickCount) error
}

// DefaultFlushEvery is how often a ClickCounter flushes when
// NewClickCounter is given no interval.
const DefaultFlushEvery = 5 * time.Second

// ClickCounter counts clicks per partner per day in memory and flushes them
// to a ClickStore in batches, so that the redirect writes nothing to the
// database. Add is lock-free and allocation-free once a partner has been
// seen; a failed flush keeps its counts for the next one.
type ClickCounter struct {
	store  ClickStore
	every  time.Duration
	logger *slog.Logger

	slots atomic.Pointer[map[string]*clickSlot] // copied on write; grows by one partner at a time

	mu      sync.Mutex // guards slot growth, day changes, pending and flushing
	pending map[clickKey]int64

	dedupe *clickDedupe // nil: every click counts
}

// clickSlot holds one partner's counts for two days, indexed by day parity,
// so that clicks around midnight land on the right day without a lock.
type clickSlot struct {
	days [2]dayCount
}

type dayCount struct {
	day atomic.Int64 // days since the Unix epoch
	n   atomic.Int64
}

type clickKey struct {
	partnerID string
	day       int64
}

// NewClickCounter returns a ClickCounter flushing to store every interval
// (DefaultFlushEvery if not positive) once Run is started.
func NewClickCounter(store ClickStore, every time.Duration, logger *slog.Logger) *ClickCounter {
	if every <= 0 {
		every = DefaultFlushEvery
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &ClickCounter{store: store, every: every, logger: logger, pending: map[clickKey]int64{},
		dedupe: newClickDedupe(DefaultClickDedupe)}
	empty := map[string]*clickSlot{}
	c.slots.Store(&empty)
	return c
}

// SetDedupe makes the counter count one click per client and PID within
// window (DefaultClickDedupe unless set); 0 counts every click. Call it
// before counting.
func (c *ClickCounter) SetDedupe(window time.Duration) {
	if window <= 0 {
		c.dedupe = nil
		return
	}
	c.dedupe = newClickDedupe(window)
}

// AddFrom counts client's click on pid (a link of partnerID) at time at,
// unless the same client clicked the same PID within the dedupe window.
func (c *ClickCounter) AddFrom(partnerID, client string, pid []byte, at time.Time) {
	if c.dedupe != nil && !c.dedupe.first(client, pid, at) {
		return
	}
	c.AddAt(partnerID, at)
}

// Add counts one click on partnerID's links now.
func (c *ClickCounter) Add(partnerID string) { c.AddAt(partnerID, time.Now()) }

// AddAt counts one click on partnerID's links at time at.
func (c *ClickCounter) AddAt(partnerID string, at time.Time) {
	day := at.Unix() / 86400
	if at.Unix() < 0 {
		day = 0
	}
	slot := (*c.slots.Load())[partnerID]
	if slot == nil {
		slot = c.newSlot(partnerID)
	}
	counter := &slot.days[day&1]
	if counter.day.Load() != day {
		c.turnDay(partnerID, counter, day)
	}
	counter.n.Add(1)
}

// newSlot returns partnerID's slot, adding it to a copy of the slot map.
func (c *ClickCounter) newSlot(partnerID string) *clickSlot {
	c.mu.Lock()
	defer c.mu.Unlock()
	current := *c.slots.Load()
	if slot := current[partnerID]; slot != nil {
		return slot
	}
	next := make(map[string]*clickSlot, len(current)+1)
	for id, slot := range current {
		next[id] = slot
	}
	slot := new(clickSlot)
	slot.days[0].day.Store(-1)
	slot.days[1].day.Store(-1)
	next[partnerID] = slot
	c.slots.Store(&next)
	return slot
}

// turnDay makes counter count day, moving what it counted for an earlier
// day of the same parity to pending.
func (c *ClickCounter) turnDay(partnerID string, counter *dayCount, day int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := counter.day.Load()
	if old >= day {
		return // another goroutine turned it, or the clock went back
	}
	if n := counter.n.Swap(0); n != 0 && old >= 0 {
		c.pending[clickKey{partnerID, old}] += n
	}
	counter.day.Store(day)
}

// Run flushes every interval until ctx is done, logging failures (their
// counts are retried on the next flush). Call Close after ctx is done and
// the HTTP server has stopped to flush what remains.
func (c *ClickCounter) Run(ctx context.Context) {
	ticker := time.NewTicker(c.every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := c.Flush(ctx); err != nil && ctx.Err() == nil {
				c.logger.ErrorContext(ctx, "flushing click counts", slog.Any("err", err))
			}
		}
	}
}

// Flush writes the clicks counted since the last successful flush. On
// error they are kept and written by the next flush.
func (c *ClickCounter) Flush(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for partnerID, slot := range *c.slots.Load() {
		for i := range slot.days {
			counter := &slot.days[i]
			if n := counter.n.Swap(0); n != 0 {
				c.pending[clickKey{partnerID, counter.day.Load()}] += n
			}
		}
	}
	if len(c.pending) == 0 {
		return nil
	}
	counts := make([]ClickCount, 0, len(c.pending))
	for key, n := range c.pending {
		counts = append(counts, ClickCount{
			PartnerID: key.partnerID,
			Day:       time.Unix(key.day*86400, 0).UTC().Format(time.DateOnly),
			Count:     n,
		})
	}
	slices.SortFunc(counts, func(a, b ClickCount) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.PartnerID, b.PartnerID))
	})
	if err := c.store.AddClicks(ctx, counts); err != nil {
		return fmt.Errorf("tracking: flushing %d click counts: %w", len(counts), err)
	}
	clear(c.pending)
	return nil
}

// Close flushes the clicks not yet written; call it once the HTTP server
// has stopped serving. A failed Close keeps the counts and may be retried.
func (c *ClickCounter) Close(ctx context.Context) error {
	return c.Flush(ctx)
}
