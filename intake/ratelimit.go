package intake

import (
	"sync"
	"time"
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

// Exhausted reports, without taking a token, whether key has none left and
// how long until it has one.
func (l *RateLimiter) Exhausted(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key)
	if b.tokens < 1 {
		return true, l.wait(b)
	}
	return false, 0
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
