package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadrouter/leadrouter"
)

func TestLeadReader(t *testing.T) {
	csv := "\ufeffLead ID,First Name,Email,Company Name,Country,Lead Source,Form Type,Job Title,No. of Employees,Partner ID,Responses,Lead Score,Created Date,Duplicate Of,Duplicate Owner,Account Owner Partner ID\n" +
		"L1,Ann,ann@a.example,A GmbH,de,Web Form,Demo Request,CTO,\"1,200\",berlin01,3,12,2026-03-01T10:00:00Z,,,\n" +
		",Bob,bob@b.example,B SA,Belgium,event,,,51-200,NOPE,,,,,,\n" +
		",Cy,,,United Kingdom,,,,10000+,p-austin,,,,L9,partner:p-brussels,p-munich\n" +
		",Di,,,Atlantis,,,,,,,,,L8,,\n"
	r, err := NewLeadReader(strings.NewReader(csv), testDirectory())
	if err != nil {
		t.Fatal(err)
	}
	var got []Input
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	want := []Input{
		{Lead: leadrouter.Lead{ID: "L1", Country: "DE", Source: "web_form", FormKind: "demo_request", Title: "CTO", Company: "A GmbH", CompanySize: 1200, Responses: 3, CreditedPartnerID: "p-berlin"}, Facts: Facts{OutsideScore: 12, Day: "2026-03-01"}},
		{Lead: leadrouter.Lead{ID: "bob@b.example", Country: "BE", Source: "event", Company: "B SA", CompanySize: 51, Responses: 1}},
		{Lead: leadrouter.Lead{ID: "row 4", Country: "GB", CompanySize: 10000, Responses: 1, CreditedPartnerID: "p-austin"}, Facts: Facts{AccountOwnerPartnerID: "p-munich", DuplicateOfLeadID: "L9", DuplicateOwner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}}},
		{Lead: leadrouter.Lead{ID: "row 5", Country: "Atlantis", Responses: 1}, Facts: Facts{DuplicateOfLeadID: "L8", DuplicateOwner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "existing-owner"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("leads (-want +got):\n%s", diff)
	}
	if r.UnknownPIDs != 1 {
		t.Errorf("unknown PIDs: %d", r.UnknownPIDs)
	}
	if len(r.UnknownCountries) != 1 || r.UnknownCountries["Atlantis"] != 1 {
		t.Errorf("unknown countries: %v", r.UnknownCountries)
	}
	var warnings strings.Builder
	r.WriteWarnings(&warnings)
	if !strings.Contains(warnings.String(), "1 lead(s) carry a PID no partner has") || !strings.Contains(warnings.String(), `"Atlantis" (1)`) {
		t.Errorf("warnings: %q", warnings.String())
	}
	if cols := r.Columns(); len(cols) != 15 {
		t.Errorf("columns %v", cols)
	}
}

func TestLeadReaderErrors(t *testing.T) {
	if _, err := NewLeadReader(strings.NewReader(""), Directory{}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if _, err := NewLeadReader(strings.NewReader("email,company\n"), Directory{}); err == nil || !strings.Contains(err.Error(), "no country column") {
		t.Errorf("no country: %v", err)
	}
	r, err := NewLeadReader(strings.NewReader("country\nDE\n\"x\"y\"\n"), Directory{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if l, err := r.Next(); err != nil || l.Country != `x"y` {
		t.Errorf("lazy quotes: %+v %v", l, err)
	}
}

func TestLeadingNumber(t *testing.T) {
	for s, want := range map[string]int{"": 0, "12": 12, "1,200": 1200, "51-200": 51, "10000+": 10000, "about 40": 40, "1 000": 1000, "x": 0,
		"99999999999999999999": 1_000_000_000} {
		if got := leadingNumber(s); got != want && !(want == 1_000_000_000 && got >= want) {
			t.Errorf("leadingNumber(%q) = %d, want %d", s, got, want)
		}
	}
}

// leadsOf returns a next function over leads.
func leadsOf(leads ...Input) func() (Input, error) {
	return func() (Input, error) {
		if len(leads) == 0 {
			return Input{}, io.EOF
		}
		l := leads[0]
		leads = leads[1:]
		return l, nil
	}
}

func TestSimulate(t *testing.T) {
	var leads []Input
	for range 10 {
		leads = append(leads, Input{Lead: leadrouter.Lead{ID: "de", Country: "DE"}}, Input{Lead: leadrouter.Lead{ID: "us", Country: "US", FormKind: "demo_request"}},
			Input{Lead: leadrouter.Lead{ID: "pid", Country: "US", CreditedPartnerID: "p-brussels"}}, Input{Lead: leadrouter.Lead{ID: "br", Country: "BR"}}, Input{Lead: leadrouter.Lead{ID: "x", Country: "Atlantis"}})
	}
	rep, err := Simulate(context.Background(), MustDefault(t), nil, testDirectory(), leadsOf(leads...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Leads != 50 || rep.MQL != 10 || rep.NoCountry != 10 || rep.Against != nil {
		t.Errorf("report %+v", rep)
	}
	if diff := cmp.Diff(map[string]int{"pid": 10, "international": 10, "default": 30}, rep.ByRule); diff != "" {
		t.Errorf("by rule (-want +got):\n%s", diff)
	}
	wantOwners := map[leadrouter.Owner]int{
		{Kind: leadrouter.OwnerPartner, ID: "p-berlin", PartnerID: "p-berlin"}: 5, {Kind: leadrouter.OwnerPartner, ID: "p-munich", PartnerID: "p-munich"}: 5,
		{Kind: leadrouter.OwnerUser, ID: "u-sales1"}: 15, {Kind: leadrouter.OwnerUser, ID: "u-sales2"}: 15, {Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"}: 10,
	}
	if diff := cmp.Diff(wantOwners, rep.ByAssignee); diff != "" {
		t.Errorf("by assignee (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"p-brussels": 10}, rep.Reserved); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(map[string]int{"international": 20, "demo-fast-track": 10, "partner-referral": 10, "general": 10}, rep.Tracks); diff != "" {
		t.Errorf("tracks (-want +got):\n%s", diff)
	}
	var out strings.Builder
	rep.WriteText(&out)
	for _, want := range []string{"50 leads simulated", "by rule", "international", "partner:p-berlin (Berlin)", "Brussels", "demo-fast-track",
		"MQL (score >= 50)", "10 lead(s) had no usable country"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "other policy") {
		t.Errorf("no comparison asked for:\n%s", out.String())
	}
}

func TestSimulateAgainst(t *testing.T) {
	p := MustDefault(t)
	// The other policy sends German leads to inside sales.
	other := MustParse(t, strings.Replace(string(DefaultPolicyYAML), "international: true\n    action: assign_territory",
		"international: true\n      country_not_in: [DE]\n    action: assign_territory", 1))
	var leads []Input
	for i := range 20 {
		leads = append(leads, Input{Lead: leadrouter.Lead{ID: "de" + string(rune('a'+i)), Country: "DE"}}, Input{Lead: leadrouter.Lead{ID: "be", Country: "BE"}})
	}
	rep, err := Simulate(context.Background(), p, other, testDirectory(), leadsOf(leads...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed != 20 || rep.ChangedRule != 20 || len(rep.Changes) != 20 || rep.Against.ByRule["default"] != 20 {
		t.Fatalf("report %+v / %+v", rep, rep.Against)
	}
	if diff := cmp.Diff(map[RuleMove]int{{"international", "default"}: 20}, rep.Moves); diff != "" {
		t.Error(diff)
	}
	c := rep.Changes[0]
	if c.LeadID != "dea" || c.From.ID != "p-berlin" || c.To.ID != "u-sales1" || c.FromRule != "international" || c.ToRule != "default" {
		t.Errorf("change %+v", c)
	}
	var out strings.Builder
	rep.WriteText(&out)
	for _, want := range []string{"other policy", "20 lead(s) (50.0%) would change owner", "international → default", "dea", "partner:p-berlin (international)", "→ user:u-sales1 (default)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// A policy compared with itself changes nothing.
	same, err := Simulate(context.Background(), p, p, testDirectory(), leadsOf(leads...))
	if err != nil || same.Changed != 0 {
		t.Errorf("%v %+v", err, same)
	}
}

func TestSimulateErrors(t *testing.T) {
	boom := errors.New("bad row")
	next := func() (Input, error) { return Input{}, boom }
	if _, err := Simulate(context.Background(), MustDefault(t), nil, testDirectory(), next); !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Simulate(ctx, MustDefault(t), nil, testDirectory(), leadsOf(Input{})); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
	if _, err := Simulate(context.Background(), nil, nil, testDirectory(), leadsOf()); err == nil {
		t.Error("nil policy accepted")
	}
	var out strings.Builder
	rep, _ := Simulate(context.Background(), MustDefault(t), nil, testDirectory(), leadsOf())
	rep.WriteText(&out)
	if !strings.HasPrefix(out.String(), "0 leads simulated") {
		t.Errorf("%s", out.String())
	}
}

// TestSimulateCSV replays a CSV file end to end, with daily caps starting
// afresh each day.
func TestSimulateCSV(t *testing.T) {
	p := MustParse(t, fmt.Sprintf(territoryPolicy, "round_robin", "    daily_cap: 1\n"))
	csv := "country,created_at\nDE,2026-01-01\nDE,2026-01-01\nDE,2026-01-01\nDE,2026-01-02\nDE,2026-01-02\n"
	dir := NewDirectory(partnersIn(2, nil, nil), map[string][]string{"inside-sales": {"u"}})
	r, err := NewLeadReader(strings.NewReader(csv), dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Simulate(context.Background(), p, nil, dir, r.Next)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"t": 4, "rest": 1}, rep.ByRule); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
