package routing

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadrouter/leadrouter"
)

func TestDefaultPolicyShape(t *testing.T) {
	p := MustDefault(t)
	var ids []string
	for _, r := range p.Rules {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"duplicate", "pid", "account-owner", "international", "default"}, ids); diff != "" {
		t.Errorf("rule ids (-want +got):\n%s", diff)
	}
	if p.HomeCountry != "US" || p.RegistrationDays != 90 || p.MQLThreshold() != 50 || p.DefaultQueue != "inside-sales" || p.DefaultTrack != "general" {
		t.Errorf("defaults: %+v", p)
	}
	if string(p.YAML()) != string(DefaultPolicyYAML) {
		t.Error("YAML() is not the source")
	}
	// Every line of rules is explained to an operations person.
	if n := strings.Count(string(DefaultPolicyYAML), "#"); n < 40 {
		t.Errorf("the default policy has only %d comments", n)
	}
}

// TestDefaultPolicyScenarios walks SPEC.md W4's cases through the
// built-in policy.
func TestDefaultPolicyScenarios(t *testing.T) {
	p := MustDefault(t)
	tests := []struct {
		name      string
		lead      Input
		rule      string
		owner     leadrouter.Owner
		reserved  string
		traceHint string
	}{
		{"PID lead: vendor nurture queue, reserved for the PID partner",
			Input{Lead: leadrouter.Lead{Country: "US", CreditedPartnerID: "p-berlin"}},
			"pid", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"}, "p-berlin", "PID BERLIN01"},
		{"PID beats account ownership and territory",
			Input{Lead: leadrouter.Lead{Country: "DE", CreditedPartnerID: "p-brussels"}, Facts: Facts{AccountOwnerPartnerID: "p-austin"}},
			"pid", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"}, "p-brussels", "reserved for Brussels"},
		{"lead from a division of a partner-owned account",
			Input{Lead: leadrouter.Lead{Country: "GB"}, Facts: Facts{AccountOwnerPartnerID: "p-austin"}},
			"account-owner", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-austin", PartnerID: "p-austin"}, "", "owned by Austin"},
		{"Belgian lead goes to the Belgian partner",
			Input{Lead: leadrouter.Lead{Country: "BE"}},
			"international", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}, "", "country BE"},
		{"lower-case country",
			Input{Lead: leadrouter.Lead{Country: "nl"}},
			"international", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}, "", "country NL"},
		{"country without a partner: default queue",
			Input{Lead: leadrouter.Lead{Country: "BR"}},
			"default", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "no partner territory includes BR"},
		{"only partner of the country suspended: default queue",
			Input{Lead: leadrouter.Lead{Country: "FR"}},
			"default", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "p-paris suspended"},
		{"home country: inside sales",
			Input{Lead: leadrouter.Lead{Country: "US"}},
			"default", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "country US is the home country"},
		{"no country: inside sales",
			Input{},
			"default", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "is not a known ISO code"},
		{"duplicate keeps its owner",
			Input{Lead: leadrouter.Lead{Country: "DE", CreditedPartnerID: "p-berlin"}, Facts: Facts{DuplicateOfLeadID: "lead-1", DuplicateOwner: leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-x"}}},
			"duplicate", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-x"}, "", "keeps its owner user:u-x"},
		{"suspended PID partner: not reserved, routed on",
			Input{Lead: leadrouter.Lead{Country: "BE", CreditedPartnerID: "p-paris"}},
			"international", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}, "", "credited partner Paris is suspended"},
		{"suspended account owner: routed on",
			Input{Lead: leadrouter.Lead{Country: "US"}, Facts: Facts{AccountOwnerPartnerID: "p-paris"}},
			"default", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "account's owner Paris is suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := MustRoute(t, p, testDirectory(), tt.lead, &MemoryRotation{})
			if d.Rule != tt.rule || d.Owner != tt.owner || d.ReservedPartnerID != tt.reserved {
				t.Fatalf("got rule=%s owner=%v reserved=%q, want %s %v %q\n%s", d.Rule, d.Owner, d.ReservedPartnerID,
					tt.rule, tt.owner, tt.reserved, traceText(d))
			}
			if !strings.Contains(traceText(d), tt.traceHint) {
				t.Errorf("trace lacks %q:\n%s", tt.traceHint, traceText(d))
			}
			// Every rule up to the deciding one is in the trace, in order,
			// and only the last fired.
			for i, s := range d.Trace {
				if s.Rule != p.Rules[i].ID || s.Fired != (i == len(d.Trace)-1) {
					t.Fatalf("trace step %d: %+v", i, s)
				}
			}
		})
	}
}

// TestDefaultPolicyGermanRoundRobin: German leads with two German
// partners split 50/50 (±1) over 100 leads, 40 of them routed at once
// from goroutines.
func TestDefaultPolicyGermanRoundRobin(t *testing.T) {
	p, dir, rot := MustDefault(t), testDirectory(), &MemoryRotation{}
	var mu sync.Mutex
	counts := map[string]int{}
	route := func(i int) {
		d, err := Route(context.Background(), p, dir, Input{Lead: leadrouter.Lead{ID: "de", Country: "DE"}}, rot)
		if err != nil {
			t.Error(err)
			return
		}
		if d.Rule != "international" {
			t.Errorf("lead %d: rule %s", i, d.Rule)
		}
		mu.Lock()
		counts[d.Owner.ID]++
		mu.Unlock()
	}
	for i := range 30 {
		route(i)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() { route(30 + i) })
	}
	wg.Wait()
	for i := range 30 {
		route(70 + i)
	}
	if len(counts) != 2 || counts["p-berlin"] != 50 || counts["p-munich"] != 50 {
		t.Fatalf("German leads split %v, want 50/50", counts)
	}
}

func TestDefaultPolicyScoringAndNurture(t *testing.T) {
	p := MustDefault(t)
	tests := []struct {
		name  string
		lead  Input
		score int
		track string
	}{
		{"demo request from a US director", Input{Lead: leadrouter.Lead{Country: "US", FormKind: "demo_request", Title: "Director of IT", Responses: 1}}, 70, "demo-fast-track"},
		{"gated offer, unknown fit", Input{Lead: leadrouter.Lead{Country: "US", FormKind: "gated_offer", Responses: 1}}, 10, "general"},
		{"returning VP at a 200-people company", Input{Lead: leadrouter.Lead{Country: "US", Title: "VP Finance", CompanySize: 200, Responses: 3}}, 60, "general"},
		{"PID lead", Input{Lead: leadrouter.Lead{Country: "CA", CreditedPartnerID: "p-x", Responses: 1}}, 0, "partner-referral"},
		{"webinar attendee abroad", Input{Lead: leadrouter.Lead{Country: "DE", Source: "webinar", CompanySize: 5000, Responses: 1}}, 15, "event-follow-up"},
		{"international", Input{Lead: leadrouter.Lead{Country: "DE", Title: "Geschäftsführer", Responses: 1}}, 20, "international"},
		{"student", Input{Lead: leadrouter.Lead{Country: "DE", Title: "Student", Responses: 1}}, 0, "international"},
		{"outside score is added", Input{Lead: leadrouter.Lead{Country: "US", Responses: 1}, Facts: Facts{OutsideScore: 35}}, 45, "general"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, steps := Score(p, tt.lead)
			if score != tt.score {
				t.Errorf("score %d (%+v), want %d", score, steps, tt.score)
			}
			if track := NurtureTrack(p, tt.lead); track != tt.track {
				t.Errorf("track %s, want %s", track, tt.track)
			}
			d := MustRoute(t, p, testDirectory(), tt.lead, &MemoryRotation{})
			if d.Score != tt.score || d.NurtureTrack != tt.track {
				t.Errorf("decision score %d track %s", d.Score, d.NurtureTrack)
			}
			sum := 0
			for _, s := range steps {
				sum += s.Points
			}
			if max(sum, 0) != d.Score {
				t.Errorf("score steps %+v do not add up to %d", steps, d.Score)
			}
		})
	}
}
