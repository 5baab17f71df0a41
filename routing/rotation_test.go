package routing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrouter/leadrouter"
)

// territoryPolicy routes every lead by territory, then to inside sales.
const territoryPolicy = `rules:
  - id: t
    action: assign_territory
    strategy: %s
%s  - id: rest
    action: assign_queue
    queue: inside-sales
`

// partnersIn returns k active partners of country DE with the weights
// given (1 when weights is short) and caps.
func partnersIn(k int, weights, caps []int) []leadrouter.Partner {
	out := make([]leadrouter.Partner, k)
	for i := range out {
		out[i] = leadrouter.Partner{ID: fmt.Sprintf("p%02d", i), Name: fmt.Sprintf("P%d", i), Countries: []string{"DE"}, Status: leadrouter.PartnerActive, Weight: 1}
		if i < len(weights) {
			out[i].Weight = weights[i]
		}
		if i < len(caps) {
			out[i].DailyCap = caps[i]
		}
	}
	return out
}

// routeMany routes n German leads and counts them by owner id.
func routeMany(tb testing.TB, p *Policy, dir Directory, rot Rotation, n int) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	for range n {
		d := MustRoute(tb, p, dir, Input{Lead: leadrouter.Lead{Country: "DE"}}, rot)
		counts[d.Owner.ID]++
	}
	return counts
}

// TestRoundRobinFairness: N leads over k partners give each ⌊N/k⌋ or
// ⌈N/k⌉, for every N and k tried, whatever the rotation's start.
func TestRoundRobinFairness(t *testing.T) {
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "round_robin", ""))
	for k := 1; k <= 7; k++ {
		dir := NewDirectory(partnersIn(k, nil, nil), nil)
		for _, start := range []int64{0, 3, 1 << 40} {
			rot := &MemoryRotation{}
			rot.positions = map[string]int64{"rule:t:DE": start}
			counts := map[string]int{}
			for n := 1; n <= 60; n++ {
				d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: "DE"}}, rot)
				counts[d.Owner.ID]++
				for _, pt := range dir.Partners {
					if c := counts[pt.ID]; c < n/k || c > (n+k-1)/k {
						t.Fatalf("k=%d start=%d n=%d: %s has %d (%v)", k, start, n, pt.ID, c, counts)
					}
				}
			}
		}
	}
}

// TestWeightedSequence: over any first n positions each index gets
// n·w/Σw, give or take one, for many weight vectors; each cycle holds
// exactly w of each.
func TestWeightedSequence(t *testing.T) {
	cases := [][]int{{1}, {1, 1}, {2, 1}, {3, 1}, {1, 3}, {5, 3, 2}, {1, 1, 1, 10}, {7, 7, 1}, {1000, 1}, {2, 3, 5, 7, 11}}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		w := make([]int, 1+rng.IntN(6))
		for i := range w {
			w[i] = 1 + rng.IntN(20)
		}
		cases = append(cases, w)
	}
	for _, weights := range cases {
		seq := weightedSequence(weights)
		total := len(seq)
		counts := make([]int, len(weights))
		for n := 1; n <= 3*total; n++ {
			counts[seq[(n-1)%total]]++
			for i, w := range weights {
				ideal := float64(n*w) / float64(total)
				if d := float64(counts[i]) - ideal; d > 1 || d < -1 {
					t.Fatalf("weights %v, first %d: index %d has %d, ideal %.2f", weights, n, i, counts[i], ideal)
				}
			}
			if n%total == 0 {
				for i, w := range weights {
					if counts[i] != w*n/total {
						t.Fatalf("weights %v: cycle gives %d %d times", weights, i, counts[i])
					}
				}
			}
		}
	}
	if diff := cmp.Diff([]int32{0, 1, 0}, weightedSequence([]int{2, 1})); diff != "" {
		t.Error(diff)
	}
}

func TestWeightedRouting(t *testing.T) {
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "weighted", ""))
	dir := NewDirectory(partnersIn(3, []int{3, 1, 0}, nil), nil) // weight 0 counts as 1
	counts := routeMany(t, p, dir, &MemoryRotation{}, 100)
	want := map[string]float64{"p00": 60, "p01": 20, "p02": 20}
	for id, w := range want {
		if d := float64(counts[id]) - w; d > 1 || d < -1 {
			t.Errorf("%s got %d, want %.0f±1 (%v)", id, counts[id], w, counts)
		}
	}
	// round_robin ignores weights.
	rr := MustParse(t, fmt.Sprintf(territoryPolicy, "round_robin", ""))
	if counts := routeMany(t, rr, dir, &MemoryRotation{}, 99); counts["p00"] != 33 || counts["p01"] != 33 {
		t.Errorf("round robin with weights: %v", counts)
	}
}

// TestDailyCaps: a capped partner is skipped once at its cap and the
// others keep fair shares; when everyone is capped the rule falls through.
func TestDailyCaps(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		ruleCap  string
		weights  []int
		caps     []int
		leads    int
		want     map[string]int
	}{
		{"a partner's own cap", "round_robin", "", nil, []int{10}, 100,
			map[string]int{"p00": 10, "p01": 45, "p02": 45}},
		{"caps on a weighted rotation", "weighted", "", []int{2, 1, 1}, []int{10}, 100,
			map[string]int{"p00": 10, "p01": 45, "p02": 45}},
		{"two capped, unequal", "round_robin", "", nil, []int{5, 20}, 100,
			map[string]int{"p00": 5, "p01": 20, "p02": 75}},
		{"the rule's cap overrides partners' caps", "round_robin", "    daily_cap: 20\n", nil, []int{10, 0, 30}, 100,
			map[string]int{"p00": 20, "p01": 20, "p02": 20, "u-sales1": 20, "u-sales2": 20}},
		{"everyone capped: the next rule takes the rest", "round_robin", "", nil, []int{1, 2, 3}, 10,
			map[string]int{"p00": 1, "p01": 2, "p02": 3, "u-sales1": 2, "u-sales2": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustParse(t, fmt.Sprintf(territoryPolicy, tt.strategy, tt.ruleCap))
			dir := NewDirectory(partnersIn(3, tt.weights, tt.caps), map[string][]string{"inside-sales": {"u-sales1", "u-sales2"}})
			got := routeMany(t, p, dir, &MemoryRotation{}, tt.leads)
			for id, n := range tt.want {
				if d := got[id] - n; d > 1 || d < -1 {
					t.Fatalf("got %v, want %v (±1)", got, tt.want)
				}
			}
		})
	}
}

func TestDailyCapsResetEachDay(t *testing.T) {
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "round_robin", "    daily_cap: 2\n"))
	dir := NewDirectory(partnersIn(2, nil, nil), map[string][]string{"inside-sales": {"u"}})
	rot := &MemoryRotation{}
	rot.SetDay("2026-01-01")
	if got := routeMany(t, p, dir, rot, 6); got["p00"] != 2 || got["p01"] != 2 || got["u"] != 2 {
		t.Fatalf("day 1: %v", got)
	}
	rot.SetDay("2026-01-01")
	if got := routeMany(t, p, dir, rot, 1); got["u"] != 1 {
		t.Fatalf("same day: %v", got)
	}
	rot.SetDay("2026-01-02")
	if got := routeMany(t, p, dir, rot, 4); got["p00"] != 2 || got["p01"] != 2 {
		t.Fatalf("day 2: %v", got)
	}
	// The trace says who is at the cap.
	d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: "DE"}}, rot)
	if got := traceText(d); d.Rule != "rest" || !strings.Contains(got, "p00 at its daily cap of 2") || !strings.Contains(got, "p01 at its daily cap of 2") {
		t.Errorf("trace:\n%s", got)
	}
}

func TestQueueCap(t *testing.T) {
	p := MustParse(t, "rules:\n  - id: q\n    action: assign_queue\n    queue: inside-sales\n    daily_cap: 3\n")
	dir := NewDirectory(nil, map[string][]string{"inside-sales": {"u1", "u2"}})
	got := routeMany(t, p, dir, &MemoryRotation{}, 10)
	if diff := cmp.Diff(map[string]int{"u1": 3, "u2": 3, "inside-sales": 4}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSuspendedSkipped: a suspended partner is never chosen and the
// active ones split evenly.
func TestSuspendedSkipped(t *testing.T) {
	partners := partnersIn(3, nil, nil)
	partners[1].Status = leadrouter.PartnerSuspended
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "weighted", ""))
	got := routeMany(t, p, NewDirectory(partners, nil), &MemoryRotation{}, 50)
	if diff := cmp.Diff(map[string]int{"p00": 25, "p02": 25}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestConcurrentFairness routes from many goroutines at once through one
// MemoryRotation: each partner still gets its share.
func TestConcurrentFairness(t *testing.T) {
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "weighted", ""))
	dir := NewDirectory(partnersIn(3, []int{2, 1, 1}, nil), nil)
	rot := &MemoryRotation{}
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				d, err := Route(context.Background(), p, dir, Input{Lead: leadrouter.Lead{Country: "DE"}}, rot)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				counts[d.Owner.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if diff := cmp.Diff(map[string]int{"p00": 400, "p01": 200, "p02": 200}, counts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCountriesRotateIndependently: each country has its own turn order.
func TestCountriesRotateIndependently(t *testing.T) {
	p := MustDefault(t)
	dir := NewDirectory([]leadrouter.Partner{
		{ID: "a", Countries: []string{"DE", "AT"}, Status: leadrouter.PartnerActive},
		{ID: "b", Countries: []string{"DE", "AT"}, Status: leadrouter.PartnerActive},
	}, nil)
	rot := &MemoryRotation{}
	var got []string
	for _, c := range []string{"DE", "AT", "DE", "AT"} {
		got = append(got, MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: c}}, rot).Owner.ID)
	}
	if diff := cmp.Diff([]string{"a", "a", "b", "b"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
