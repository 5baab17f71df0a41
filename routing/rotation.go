package routing

import (
	"context"
	"sync"
)

// Rotation is the round-robin state: a position per key and daily counts
// per assignee. The store keeps it durable (shared by every server
// process); MemoryRotation keeps it in memory for simulate and tests.
//
// Position keys are "rule:ID:SCOPE" (SCOPE is the country of a territory
// rule, the queue of a queue rule); count keys are "rule:ID" for a rule's
// daily_cap and "partner" for partners' own caps.
type Rotation interface {
	// Next atomically returns the current position for key and advances
	// it by one.
	Next(ctx context.Context, key string) (int64, error)
	// AssignedToday returns how many assignments key gave assigneeID today.
	AssignedToday(ctx context.Context, key, assigneeID string) (int, error)
	// Record counts one more assignment of key to assigneeID today.
	Record(ctx context.Context, key, assigneeID string) error
}

// PartnerCapKey is the count key of partners' own daily caps.
const PartnerCapKey = "partner"

// MemoryRotation is an in-memory Rotation, safe for concurrent use. Its
// zero value is ready; daily counts last until SetDay names another day.
type MemoryRotation struct {
	mu        sync.Mutex
	positions map[string]int64
	daily     map[dailyKey]int
	day       string
}

type dailyKey struct{ key, assigneeID string }

// Next implements Rotation.
func (m *MemoryRotation) Next(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.positions == nil {
		m.positions = map[string]int64{}
	}
	pos := m.positions[key]
	m.positions[key] = pos + 1
	return pos, nil
}

// AssignedToday implements Rotation.
func (m *MemoryRotation) AssignedToday(_ context.Context, key, assigneeID string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.daily[dailyKey{key, assigneeID}], nil
}

// Record implements Rotation.
func (m *MemoryRotation) Record(_ context.Context, key, assigneeID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.daily == nil {
		m.daily = map[dailyKey]int{}
	}
	m.daily[dailyKey{key, assigneeID}]++
	return nil
}

// SetDay starts a new day, clearing the daily counts, when day differs
// from the current one.
func (m *MemoryRotation) SetDay(day string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if day != m.day {
		m.day = day
		clear(m.daily)
	}
}

// Candidate states during a pick.
const (
	stUnknown   uint8 = iota // not looked at
	stEligible               // may have the lead
	stExcluded               // gave the lead up
	stCapped                 // at its daily cap
	stOtherTier              // not of a tier the rule takes (tier_in)
)

// pick chooses among k candidates by rotation position: candidate
// seq[pos % len(seq)] (or pos % k when seq is nil). A candidate that may
// not have the lead (check says why) is skipped by taking the next
// position, so the others keep their fair shares. state (length k)
// receives what was found out about each candidate. It returns -1 when
// every candidate is skipped.
func pick(ctx context.Context, rot Rotation, key string, k int, seq []int32, state []uint8,
	check func(i int) (uint8, error)) (chosen int, pos int64, err error) {
	cycle := k
	if seq != nil {
		cycle = len(seq)
	}
	skipped := 0
	for attempt := 0; attempt < 2*cycle+k; attempt++ {
		if pos, err = rot.Next(ctx, key); err != nil {
			return -1, 0, err
		}
		i := int(pos % int64(cycle))
		if i < 0 {
			i += cycle
		}
		if seq != nil {
			i = int(seq[i])
		}
		if state[i] == stUnknown {
			if state[i], err = check(i); err != nil {
				return -1, 0, err
			}
			if state[i] != stEligible {
				skipped++
			}
		}
		if state[i] == stEligible {
			return i, pos, nil
		}
		if skipped == k {
			break
		}
	}
	return -1, pos, nil
}

// states returns a state slice for k candidates, on the stack when small.
func states(buf *[64]uint8, k int) []uint8 {
	if k <= len(buf) {
		return buf[:k]
	}
	return make([]uint8, k)
}
