package routing

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// benchDirectory is a partner programme of 40 partners over 10 countries
// (some weighted, some capped, one suspended) and 12 sales users.
func benchDirectory() Directory {
	countries := []string{"DE", "AT", "BE", "NL", "FR", "GB", "IT", "ES", "SE", "CA"}
	var partners []leadrouter.Partner
	for i := range 40 {
		partners = append(partners, leadrouter.Partner{
			ID: fmt.Sprintf("ptr-%03d", i), PID: leadrouter.PID(fmt.Sprintf("PID%05d", i)), Name: fmt.Sprintf("Partner %d", i),
			Countries: []string{countries[i%len(countries)], countries[(i+3)%len(countries)]},
			Status:    map[bool]leadrouter.PartnerStatus{true: leadrouter.PartnerActive, false: leadrouter.PartnerSuspended}[i != 7], Weight: 1 + i%3, DailyCap: map[bool]int{true: 500}[i%5 == 0],
		})
	}
	var users []string
	for i := range 12 {
		users = append(users, fmt.Sprintf("usr-%02d", i))
	}
	return NewDirectory(partners, map[string][]string{"inside-sales": users})
}

// benchLeads is a mix like a vendor's inbound: mostly home-country web
// forms, a tenth referred by partners, some known accounts, some repeats.
func benchLeads(n int) []Input {
	rng := rand.New(rand.NewPCG(7, 8))
	countries := []string{"US", "US", "US", "US", "US", "DE", "AT", "BE", "NL", "FR", "GB", "BR", "JP", "CA", "it"}
	titles := []string{"VP Sales", "IT Director", "Engineer", "Student", "Chief Financial Officer", "", "Office Manager"}
	kinds := []string{"gated_offer", "demo_request", "contact", "event"}
	leads := make([]Input, n)
	for i := range leads {
		l := Input{Lead: leadrouter.Lead{ID: fmt.Sprintf("lead-%d", i), Country: countries[rng.IntN(len(countries))], Source: "web_form", FormKind: kinds[rng.IntN(len(kinds))], Title: titles[rng.IntN(len(titles))], CompanySize: rng.IntN(3000), Responses: 1 + rng.IntN(3)}}
		switch r := rng.IntN(100); {
		case r < 10:
			l.CreditedPartnerID = fmt.Sprintf("ptr-%03d", rng.IntN(40))
		case r < 15:
			l.AccountOwnerPartnerID = fmt.Sprintf("ptr-%03d", rng.IntN(40))
		case r < 18:
			l.DuplicateOfLeadID, l.DuplicateOwner = "lead-0", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "usr-01"}
		}
		leads[i] = l
	}
	return leads
}

// benchCSV renders n leads as a CRM-style CSV file.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("first_name,last_name,email,company,country,source,form_kind,title,company_size,pid,account_owner_partner_id\n")
	for i, l := range benchLeads(n) {
		pid := ""
		if l.CreditedPartnerID != "" {
			idx, _ := strconv.Atoi(l.CreditedPartnerID[len("ptr-"):])
			pid = fmt.Sprintf("pid%05d", idx)
		}
		fmt.Fprintf(&b, "Ann,Lee%d,ann.lee%d@firm%d.example,Firm %d GmbH,%s,%s,%s,%s,%d,%s,%s\n", i, i, i%5000, i%5000,
			l.Country, l.Source, l.FormKind, l.Title, l.CompanySize, pid, l.AccountOwnerPartnerID)
	}
	return b.Bytes()
}

// BenchmarkRoute is one lead through the default policy with its trace,
// as capture and explain do.
func BenchmarkRoute(b *testing.B) {
	p, dir, rot := MustDefault(b), benchDirectory(), &MemoryRotation{}
	leads := benchLeads(1024)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Route(ctx, p, dir, leads[i%len(leads)], rot); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRouteUntraced is one lead as Simulate routes it.
func BenchmarkRouteUntraced(b *testing.B) {
	p, dir, rot := MustDefault(b), benchDirectory(), &MemoryRotation{}
	leads := benchLeads(1024)
	e := engine{policy: p, dir: dir.indexed(), rot: rot}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := e.route(ctx, &leads[i%len(leads)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSimulate1M reads a CSV file of one million leads and replays it
// through the default policy (SPEC.md: ≤ 10 s on the 2-core machine).
func BenchmarkSimulate1M(b *testing.B) {
	const n = 1_000_000
	benchSimulate(b, n, nil)
}

// BenchmarkSimulateAgainst1M compares two policies over a million leads.
func BenchmarkSimulateAgainst1M(b *testing.B) {
	const n = 1_000_000
	benchSimulate(b, n, MustParse(b, fmt.Sprintf(territoryPolicy, "weighted", "    daily_cap: 100\n")))
}

func benchSimulate(b *testing.B, n int, other *Policy) {
	p, dir := MustDefault(b), benchDirectory()
	csv := benchCSV(n)
	b.SetBytes(int64(len(csv)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewLeadReader(bytes.NewReader(csv), dir)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := Simulate(context.Background(), p, other, dir, r.Next)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Leads != n {
			b.Fatalf("%d leads", rep.Leads)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "leads/s")
}

func BenchmarkParseDefaultPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePolicy(DefaultPolicyYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRouteAllocations: routing without a trace allocates nothing, so
// Simulate's cost is the CSV's.
func TestRouteAllocations(t *testing.T) {
	p, dir, rot := MustDefault(t), benchDirectory(), &MemoryRotation{}
	e := engine{policy: p, dir: dir.indexed(), rot: rot}
	ctx := context.Background()
	for _, lead := range benchLeads(200) {
		if _, err := e.route(ctx, &lead); err != nil { // warm the rotation's maps
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := e.route(ctx, &lead); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Fatalf("%+v: %.0f allocations", lead, allocs)
		}
	}
}
