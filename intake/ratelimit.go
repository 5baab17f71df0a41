package intake

import (
	"context"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter/store"
)

// RateLimiter is a per-key token bucket (per client IP for public forms,
// per address and per account for failed portal sign-ins).
type RateLimiter struct {
	mu      sync.Mutex
	perMin  float64
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter allows perMinute requests a minute per key, with bursts of
// the same size.
func NewRateLimiter(perMinute int) *RateLimiter {
	return NewRateLimiterPer(perMinute, time.Minute)
}

// NewRateLimiterPer allows n requests per period per key, with bursts of n.
func NewRateLimiterPer(n int, period time.Duration) *RateLimiter {
	return &RateLimiter{perMin: float64(n) / period.Minutes(), burst: float64(n), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes a token for key; when none is left it returns false and how
// long until one is.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key)
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// refill returns key's bucket topped up for the time since it was last
// used, forgetting buckets idle long enough to be full again.
func (l *RateLimiter) refill(key string) *bucket {
	now := l.now()
	full := time.Duration(l.burst / l.perMin * float64(time.Minute))
	if now.Sub(l.swept) > max(time.Minute, full) {
		for k, b := range l.buckets {
			if now.Sub(b.last) > full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Minutes() * l.perMin
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	return b
}

func (l *RateLimiter) wait(b *bucket) time.Duration {
	return time.Duration((1 - b.tokens) / l.perMin * float64(time.Minute))
}

// SharedLimiter is a budget of Limit hits per key every Window counted in
// the database, so that every server process on it spends the same budget
// (the in-memory RateLimiter is per process). It counts the current and
// the previous window, so a budget does not start afresh at a window's
// boundary. When the database cannot count, it lets the request through:
// the per-process limiter in front still holds.
type SharedLimiter struct {
	DB     *store.DB
	Prefix string // keeps one use's keys apart from another's
	Limit  int
	Window time.Duration

	mu     sync.Mutex
	pruned time.Time
}

// Hit reports whether a request for key is within the budget, and if not
// how long until a retry may be; a request within it is counted, a refused
// one is not (a client retrying as told gets through).
func (l *SharedLimiter) Hit(ctx context.Context, key string) (bool, time.Duration) {
	_, ok, wait := l.Take(ctx, key)
	return ok, wait
}

// Spent is one hit Take counted, for Return to give back.
type Spent struct {
	key  string
	ends time.Time
}

// Take counts a hit for key when the budget has room, checking and
// counting at once in the database, so requests racing for the last hits
// never get more than Limit between them; a refused request is not counted
// and learns how long until a retry may be. The Spent can be given back
// with Return (when what was counted turned out not to spend the budget).
func (l *SharedLimiter) Take(ctx context.Context, key string) (Spent, bool, time.Duration) {
	c, ok, err := l.DB.TakeRateWindow(ctx, l.Prefix+key, l.Window, l.Limit)
	if err != nil {
		return Spent{}, true, 0
	}
	if !ok {
		return Spent{}, false, l.wait(c)
	}
	l.prune(ctx)
	return Spent{key: l.Prefix + key, ends: c.Ends}, true, 0
}

// Return gives back a hit Take counted.
func (l *SharedLimiter) Return(ctx context.Context, s Spent) {
	if s.key == "" {
		return
	}
	_ = l.DB.ReturnRateWindow(context.WithoutCancel(ctx), s.key, l.Window, s.ends)
}

// wait is how long until the previous window's hits no longer count (or,
// when the current window alone is over budget, until it ends).
func (l *SharedLimiter) wait(c store.RateCount) time.Duration {
	ends := c.Ends
	if c.Current >= l.Limit {
		ends = ends.Add(l.Window)
	}
	return max(time.Until(ends), time.Second)
}

// prune deletes windows that no longer count, at most once a window.
func (l *SharedLimiter) prune(ctx context.Context) {
	l.mu.Lock()
	due := time.Since(l.pruned) > l.Window
	if due {
		l.pruned = time.Now()
	}
	l.mu.Unlock()
	if due {
		_ = l.DB.PruneRateWindows(ctx, l.Prefix, time.Now().Add(-2*l.Window))
	}
}
