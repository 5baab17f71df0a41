package tracking

import (
	"hash/maphash"
	"sync"
	"time"
)

// DefaultClickDedupe is how long a click of one client on one PID is
// counted once (--click-dedupe 30m).
const DefaultClickDedupe = 30 * time.Minute

// dedupeShards and dedupeShardCap bound the dedupe memory: at most
// dedupeShards*dedupeShardCap entries of 16 bytes (about 1M, some 40 MB
// with the maps' overhead at the very worst).
const (
	dedupeShards   = 64
	dedupeShardCap = 1 << 14
)

// clickDedupe remembers which client clicked which PID in the last window,
// in memory and bounded, so that reloading a link, pipelining requests or
// scripting them from one address counts one click per window. It is
// per process: behind several processes a client is counted once by each
// process it reaches within the window.
type clickDedupe struct {
	window time.Duration
	seed   maphash.Seed
	shards [dedupeShards]dedupeShard
}

type dedupeShard struct {
	mu   sync.Mutex
	seen map[uint64]int64 // hash of client and PID -> end of its window (Unix ns)
}

func newClickDedupe(window time.Duration) *clickDedupe {
	d := &clickDedupe{window: window, seed: maphash.MakeSeed()}
	for i := range d.shards {
		d.shards[i].seen = map[uint64]int64{}
	}
	return d
}

// first reports whether client's click on pid at now is the first within
// the window, and starts a window if so.
func (d *clickDedupe) first(client string, pid []byte, now time.Time) bool {
	var h maphash.Hash
	h.SetSeed(d.seed)
	h.WriteString(client)
	h.WriteByte(0)
	h.Write(pid)
	key := h.Sum64()
	s := &d.shards[key%dedupeShards]
	t := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if end, ok := s.seen[key]; ok && end > t {
		return false
	}
	if len(s.seen) >= dedupeShardCap {
		s.evict(t)
	}
	s.seen[key] = t + int64(d.window)
	return true
}

// evict drops the expired entries; if none has expired (a flood of
// distinct clients), it drops an eighth of the shard at random, so a
// flood costs some double counting but never unbounded memory.
func (s *dedupeShard) evict(now int64) {
	for k, end := range s.seen {
		if end <= now {
			delete(s.seen, k)
		}
	}
	for k := range s.seen {
		if len(s.seen) < dedupeShardCap-dedupeShardCap/8 {
			return
		}
		delete(s.seen, k)
	}
}
