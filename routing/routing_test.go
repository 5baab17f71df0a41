package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

func mustDefault(t testing.TB) *Policy {
	t.Helper()
	p, err := ParsePolicy(DefaultPolicyYAML)
	if err != nil {
		t.Fatalf("default policy: %v", err)
	}
	return p
}

func testDirectory() Directory {
	return NewDirectory([]Partner{
		{ID: "p-berlin", PID: "BERLIN01", Name: "Berlin", Countries: []string{"DE", "AT"}, Active: true, Weight: 1},
		{ID: "p-munich", PID: "MUNICH02", Name: "Munich", Countries: []string{"DE"}, Active: true, Weight: 1},
		{ID: "p-brussels", PID: "BRUSSEL1", Name: "Brussels", Countries: []string{"BE", "NL"}, Active: true, Weight: 1},
		{ID: "p-austin", PID: "AUSTIN01", Name: "Austin", Countries: []string{"US"}, Active: true, Weight: 1},
		{ID: "p-gone", PID: "GONE0001", Name: "Gone", Countries: []string{"FR"}, Active: false, Weight: 1},
	}, map[string][]string{"inside-sales": {"u-sales1", "u-sales2"}})
}

func TestDefaultPolicyScenarios(t *testing.T) {
	p := mustDefault(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		lead      Lead
		rule      string
		owner     Owner
		reserved  string
		traceHint string
	}{
		{"PID lead stays with the vendor, reserved", Lead{Country: "US", CreditedPartnerID: "p-berlin"}, "pid",
			Owner{Kind: OwnerQueue, ID: "marketing-nurture"}, "p-berlin", "BERLIN01"},
		{"division of a partner-owned account", Lead{Country: "GB", AccountOwnerPartnerID: "p-austin"}, "account-owner",
			Owner{Kind: OwnerPartner, ID: "p-austin", PartnerID: "p-austin"}, "", "owned by Austin"},
		{"Belgian lead", Lead{Country: "BE"}, "international", Owner{Kind: OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}, "", "BE"},
		{"country without partner", Lead{Country: "BR"}, "default", Owner{Kind: OwnerUser, ID: "u-sales1"}, "", "no active partner's territory includes BR"},
		{"suspended partner's territory", Lead{Country: "FR"}, "default", Owner{Kind: OwnerUser, ID: "u-sales1"}, "", "suspended"},
		{"home country", Lead{Country: "US"}, "default", Owner{Kind: OwnerUser, ID: "u-sales1"}, "", "home country"},
		{"duplicate keeps owner", Lead{Country: "DE", DuplicateOfLeadID: "lead1", DuplicateOwner: Owner{Kind: OwnerUser, ID: "u-x"}}, "duplicate",
			Owner{Kind: OwnerUser, ID: "u-x"}, "", "keeps its owner"},
		{"suspended PID partner falls through", Lead{Country: "US", CreditedPartnerID: "p-gone"}, "default", Owner{Kind: OwnerUser, ID: "u-sales1"}, "", "suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Route(ctx, p, testDirectory(), tt.lead, NewMemoryRotation())
			if err != nil {
				t.Fatal(err)
			}
			if d.Rule != tt.rule || d.Owner != tt.owner || d.ReservedPartnerID != tt.reserved {
				t.Fatalf("got rule=%s owner=%+v reserved=%s, want %s %+v %s", d.Rule, d.Owner, d.ReservedPartnerID, tt.rule, tt.owner, tt.reserved)
			}
			trace := fmt.Sprintf("%+v", d.Trace)
			if !strings.Contains(trace, tt.traceHint) {
				t.Errorf("trace %s lacks %q", trace, tt.traceHint)
			}
			// Every rule up to the deciding one is in the trace, in order.
			for i, s := range d.Trace {
				if s.Rule != p.Rules[i].ID {
					t.Fatalf("trace step %d is %s, want %s", i, s.Rule, p.Rules[i].ID)
				}
			}
		})
	}
}

func TestRoundRobinFairUnderConcurrency(t *testing.T) {
	p := mustDefault(t)
	rot := NewMemoryRotation()
	dir := testDirectory()
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	route := func() {
		d, err := Route(context.Background(), p, dir, Lead{Country: "DE"}, rot)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		counts[d.Owner.ID]++
		mu.Unlock()
	}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); route() }()
	}
	wg.Wait()
	for i := 0; i < 60; i++ {
		route()
	}
	if counts["p-berlin"] != 50 || counts["p-munich"] != 50 {
		t.Fatalf("German split %v, want 50/50", counts)
	}
}

func TestWeightsAndCaps(t *testing.T) {
	src := `
rules:
  - id: de
    when: {country_in: [DE]}
    action: assign_territory
    strategy: weighted
  - id: rest
    action: assign_queue
    queue: inside-sales
`
	p, err := ParsePolicy([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir := NewDirectory([]Partner{
		{ID: "a", Countries: []string{"DE"}, Active: true, Weight: 3},
		{ID: "b", Countries: []string{"DE"}, Active: true, Weight: 1},
		{ID: "c", Countries: []string{"DE"}, Active: true, Weight: 1, DailyCap: 5},
	}, nil)
	rot := NewMemoryRotation()
	counts := map[string]int{}
	for i := 0; i < 100; i++ {
		d, err := Route(context.Background(), p, dir, Lead{Country: "DE"}, rot)
		if err != nil {
			t.Fatal(err)
		}
		counts[d.Owner.ID]++
	}
	if counts["c"] != 5 {
		t.Fatalf("capped partner got %d, want 5 (%v)", counts["c"], counts)
	}
	// a:b stays 3:1 within one lead.
	if diff := counts["a"] - 3*counts["b"]; diff < -3 || diff > 3 {
		t.Fatalf("weighted split %v, want a ≈ 3×b", counts)
	}
	for k := 2; k <= 7; k++ {
		weights := make([]int, k)
		for i := range weights {
			weights[i] = 1
		}
		seq := weightedSequence(weights)
		for n := 1; n <= 3*k+1; n++ {
			got := make([]int, k)
			for i := 0; i < n; i++ {
				got[seq[i%len(seq)]]++
			}
			for _, g := range got {
				if g < n/k || g > (n+k-1)/k {
					t.Fatalf("k=%d n=%d: counts %v not within floor/ceil", k, n, got)
				}
			}
		}
	}
}

func TestExcludeForReassignment(t *testing.T) {
	p := mustDefault(t)
	d, err := Route(context.Background(), p, testDirectory(), Lead{Country: "BE", Exclude: []string{"p-brussels"}}, NewMemoryRotation())
	if err != nil {
		t.Fatal(err)
	}
	if d.Rule != "default" {
		t.Fatalf("excluded partner still chosen: %+v", d)
	}
}

func TestBadPolicies(t *testing.T) {
	tests := []struct {
		src  string
		line int
		want string
	}{
		{"rules:\n  - id: a\n    action: asign_partner\n", 3, "unknown action \"asign_partner\""},
		{"rules:\n  - id: a\n    action: keep_owner\n  - id: a\n    action: keep_owner\n", 4, "already used"},
		{"rules:\n  - id: a\n    action: assign_queue\n", 2, "needs a queue"},
		{"rules:\n  - id: a\n    action: keep_owner\n    wen: {has_pid: true}\n", 4, "field wen not found"},
		{"home_country: USA\nrules:\n  - id: a\n    action: keep_owner\n", 1, "alpha-2"},
		{"rules:\n  - id: a\n    action: keep_owner\n    when: {country_in: [Germany]}\n", 4, "not an ISO 3166"},
		{"rules:\n  - id: a\n    action: keep_owner\n    strategy: random\n", 4, "unknown strategy"},
		{"rules: [\n", 1, "expected node"},
		{"", 1, "empty"},
		{"rules: []\n", 1, "at least one rule"},
	}
	for _, tt := range tests {
		_, err := ParsePolicy([]byte(tt.src))
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, want a PolicyError", tt.src, err)
			continue
		}
		if pe.Line != tt.line || !strings.Contains(pe.Error(), tt.want) {
			t.Errorf("%q: got %q (line %d), want line %d containing %q", tt.src, pe.Error(), pe.Line, tt.line, tt.want)
		}
	}
}

func TestScoringAndNurture(t *testing.T) {
	p := mustDefault(t)
	lead := Lead{Country: "US", FormKind: "demo_request", Title: "CFO", Responses: 1}
	score, steps := Score(p, lead)
	if score < p.MQLThreshold() || len(steps) < 2 {
		t.Fatalf("demo request by a CFO scored %d (%v)", score, steps)
	}
	if track := NurtureTrack(p, lead, score); track != "demo-fast-track" {
		t.Fatalf("track %s", track)
	}
	if s, _ := Score(p, Lead{Country: "DE", Title: "mvp engineer"}); s != 0 {
		t.Fatalf("word matching: %d", s)
	}
}

func TestSimulateAgreesWithRoute(t *testing.T) {
	p := mustDefault(t)
	dir := testDirectory()
	csv := "id,country,pid,account_owner_partner_id\n1,DE,,\n2,DE,,\n3,BE,,\n4,US,BERLIN01,\n5,GB,,p-austin\n6,BR,,\n7,DE,,\n"
	lr, err := NewLeadReader(strings.NewReader(csv), dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Simulate(context.Background(), p, nil, dir, lr.Next)
	if err != nil {
		t.Fatal(err)
	}
	// The same leads through Route with one rotation.
	lr2, _ := NewLeadReader(strings.NewReader(csv), dir)
	rot := NewMemoryRotation()
	want := map[string]int{}
	for {
		l, err := lr2.Next()
		if err == io.EOF {
			break
		}
		d, _ := Route(context.Background(), p, dir, l, rot)
		want[d.Owner.Kind+":"+d.Owner.ID]++
	}
	if fmt.Sprint(rep.ByAssignee) != fmt.Sprint(want) {
		t.Fatalf("simulate %v, route %v", rep.ByAssignee, want)
	}
	if rep.ByRule["pid"] != 1 || rep.ByRule["international"] != 4 || rep.ByRule["account-owner"] != 1 || rep.Reserved["p-berlin"] != 1 {
		t.Fatalf("by rule %v reserved %v", rep.ByRule, rep.Reserved)
	}
	var out strings.Builder
	rep.WriteText(&out)
	if !strings.Contains(out.String(), "international") {
		t.Fatal(out.String())
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(string(DefaultPolicyYAML))
	f.Add("rules:\n  - id: a\n    action: keep_owner\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParsePolicy([]byte(src))
		if err == nil {
			// A valid policy routes any lead without panicking.
			_, _ = Route(context.Background(), p, testDirectory(), Lead{Country: "DE", CreditedPartnerID: "p-berlin"}, NewMemoryRotation())
		}
	})
}

func BenchmarkRoute(b *testing.B) {
	p := mustDefault(b)
	dir := testDirectory()
	rot := NewMemoryRotation()
	countries := []string{"DE", "US", "BE", "BR", "GB"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = route(context.Background(), p, &dir, Lead{Country: countries[i%len(countries)], Title: "CFO"}, rot, false)
	}
}

// BenchmarkSimulate1M replays one million leads from CSV text through the
// default policy, as `leadrouter simulate` does; the bar is ≤ 10 s.
func BenchmarkSimulate1M(b *testing.B) {
	p := mustDefault(b)
	dir := testDirectory()
	var sb strings.Builder
	sb.WriteString("id,country,pid,title,company_size\n")
	countries := []string{"DE", "US", "BE", "BR", "GB", "NL", "AT", "FR"}
	for i := 0; i < 1_000_000; i++ {
		pid := ""
		if i%7 == 0 {
			pid = "BERLIN01"
		}
		fmt.Fprintf(&sb, "l%d,%s,%s,Director,%d\n", i, countries[i%len(countries)], pid, i%3000)
	}
	data := sb.String()
	b.ResetTimer()
	for b.Loop() {
		lr, err := NewLeadReader(strings.NewReader(data), dir)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Simulate(context.Background(), p, nil, dir, lr.Next)
		if err != nil || rep.Leads != 1_000_000 {
			b.Fatal(err, rep.Leads)
		}
		b.ReportMetric(float64(rep.Leads)/rep.Elapsed.Seconds(), "leads/s")
	}
}
