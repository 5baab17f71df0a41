package intake

import (
	"sync"
	"time"
)

// RateLimiter is a per-key token bucket (per client IP for public forms).
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
	return &RateLimiter{perMin: float64(perMinute), burst: float64(perMinute), buckets: map[string]*bucket{}, now: time.Now}
}

// Allow takes a token for key; when none is left it returns false and how
// long until one is.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 2*time.Minute {
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
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) / l.perMin * float64(time.Minute))
		return false, wait
	}
	b.tokens--
	return true, 0
}
