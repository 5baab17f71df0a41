package routing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/leadrouter/leadrouter"
)

// TestActions runs each action, and what it does when it finds nobody.
func TestActions(t *testing.T) {
	const last = "  - id: last\n    action: assign_queue\n    queue: inside-sales\n"
	tests := []struct {
		name      string
		rules     string
		lead      Input
		rule      string
		owner     leadrouter.Owner
		reserved  string
		traceHint string
	}{
		{"keep_owner", "  - id: k\n    action: keep_owner\n",
			Input{Facts: Facts{DuplicateOfLeadID: "l1", DuplicateOwner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}}},
			"k", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-brussels", PartnerID: "p-brussels"}, "", "open lead l1"},
		{"keep_owner without a known owner falls through", "  - id: k\n    action: keep_owner\n",
			Input{Facts: Facts{DuplicateOfLeadID: "l1"}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "owner of open lead l1 is not known; trying the next rule"},
		{"keep_owner on a new lead falls through", "  - id: k\n    action: keep_owner\n",
			Input{}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "not a response to an open lead"},
		{"reserve_pid into the directory's nurture queue", "  - id: r\n    action: reserve_pid\n",
			Input{Lead: leadrouter.Lead{CreditedPartnerID: "p-austin"}}, "r", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"}, "p-austin", "PID AUSTIN01"},
		{"reserve_pid into a named queue", "  - id: r\n    action: reserve_pid\n    queue: partner-nurture\n",
			Input{Lead: leadrouter.Lead{CreditedPartnerID: "p-austin"}}, "r", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "partner-nurture"}, "p-austin", "queue partner-nurture"},
		{"reserve_pid for an unknown partner", "  - id: r\n    action: reserve_pid\n",
			Input{Lead: leadrouter.Lead{CreditedPartnerID: "p-gone"}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "p-gone is not in the partner directory"},
		{"reserve_pid for an excluded partner", "  - id: r\n    action: reserve_pid\n",
			Input{Lead: leadrouter.Lead{CreditedPartnerID: "p-austin"}, Facts: Facts{Exclude: []string{"p-austin"}}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "Austin is excluded"},
		{"assign_account_partner", "  - id: a\n    action: assign_account_partner\n",
			Input{Facts: Facts{AccountOwnerPartnerID: "p-munich"}}, "a", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-munich", PartnerID: "p-munich"}, "", "owned by Munich"},
		{"assign_account_partner, owner excluded", "  - id: a\n    action: assign_account_partner\n",
			Input{Facts: Facts{AccountOwnerPartnerID: "p-munich", Exclude: []string{"p-munich"}}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "p-munich excluded"},
		{"assign_territory ignores the home country", "  - id: t\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "US"}}, "t", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-austin", PartnerID: "p-austin"}, "", "country US"},
		{"assign_territory without a country", "  - id: t\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "Germany"}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "no territory includes it"},
		{"assign_territory, everyone excluded", "  - id: t\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "DE"}, Facts: Facts{Exclude: []string{"p-munich", "p-berlin"}}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "excluded or at its daily cap"},
		{"assign_territory, one excluded", "  - id: t\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "DE"}, Facts: Facts{Exclude: []string{"p-berlin"}}}, "t", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-munich", PartnerID: "p-munich"}, "", "p-berlin excluded (gave the lead up)"},
		{"assign_territory, one excluded with a reason", "  - id: t\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "DE"}, Facts: Facts{Exclude: []string{"p-berlin"}, ExcludeReasons: map[string]string{"p-berlin": "self-referral: its own domain"}}},
			"t", leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "p-munich", PartnerID: "p-munich"}, "", "p-berlin excluded (self-referral: its own domain)"},
		{"assign_account_partner, owner excluded with a reason", "  - id: a\n    action: assign_account_partner\n",
			Input{Facts: Facts{AccountOwnerPartnerID: "p-munich", Exclude: []string{"p-munich"}, ExcludeReasons: map[string]string{"p-munich": "self-referral"}}},
			"last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "excluded (self-referral)"},
		{"fallthrough to a queue", "  - id: t\n    action: assign_territory\n    fallthrough: queue:emea-desk\n",
			Input{Lead: leadrouter.Lead{Country: "BR"}}, "t", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "emea-desk"}, "", "waits in queue emea-desk (fallthrough)"},
		{"assign_queue", "  - id: q\n    action: assign_queue\n    queue: inside-sales\n",
			Input{}, "q", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "round robin among the 2 user(s)"},
		{"assign_queue excluding a user", "  - id: q\n    action: assign_queue\n    queue: inside-sales\n",
			Input{Facts: Facts{Exclude: []string{"u-sales1"}}}, "q", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales2"}, "", "u-sales1 excluded"},
		{"assign_queue without users", "  - id: q\n    action: assign_queue\n    queue: field-sales\n",
			Input{}, "q", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "field-sales"}, "", "has no users"},
		{"assign_queue, every user excluded", "  - id: q\n    action: assign_queue\n    queue: inside-sales\n",
			Input{Facts: Facts{Exclude: []string{"u-sales1", "u-sales2"}}}, "q", leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, "", "waits in the queue"},
		{"min_score gates a rule", "  - id: t\n    when: {min_score: 10}\n    action: assign_territory\n",
			Input{Lead: leadrouter.Lead{Country: "DE"}}, "last", leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u-sales1"}, "", "score 0 is below 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustParse(t, "rules:\n"+tt.rules+last)
			d := MustRoute(t, p, testDirectory(), tt.lead, &MemoryRotation{})
			if d.Rule != tt.rule || d.Owner != tt.owner || d.ReservedPartnerID != tt.reserved {
				t.Fatalf("got rule=%s owner=%v reserved=%q, want %s %v %q\n%s", d.Rule, d.Owner, d.ReservedPartnerID,
					tt.rule, tt.owner, tt.reserved, traceText(d))
			}
			if !strings.Contains(traceText(d), tt.traceHint) {
				t.Errorf("trace lacks %q:\n%s", tt.traceHint, traceText(d))
			}
		})
	}
}

func TestNoRuleAssigns(t *testing.T) {
	p := MustParse(t, "default_queue: leftovers\nrules:\n  - id: t\n    action: assign_territory\n")
	d := MustRoute(t, p, testDirectory(), Input{Lead: leadrouter.Lead{Country: "BR"}}, &MemoryRotation{})
	want := leadrouter.Decision{Rule: NoRule, Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "leftovers"}, NurtureTrack: "general", Trace: []leadrouter.RouteStep{
		{Rule: "t", Matched: true, Reason: "no partner territory includes BR; trying the next rule"},
		{Rule: NoRule, Fired: true, Chosen: "leftovers", Reason: "no rule assigned the lead: it waits in the default queue leftovers"},
	}}
	// The words are what this test is about; the codes behind them are
	// TestStoredTraceRendersTheSameWords's.
	if diff := cmp.Diff(want, d, cmpopts.IgnoreFields(leadrouter.RouteStep{}, "Code", "Args", "Then")); diff != "" {
		t.Errorf("decision (-want +got):\n%s", diff)
	}
}

func TestTraceJSON(t *testing.T) {
	p := MustDefault(t)
	d := MustRoute(t, p, testDirectory(), Input{Lead: leadrouter.Lead{Country: "FR"}}, &MemoryRotation{})
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rule  string `json:"rule"`
		Owner struct {
			Kind, ID string
		} `json:"owner"`
		Trace []struct {
			Rule       string `json:"rule"`
			Matched    bool   `json:"matched"`
			Reason     string `json:"reason"`
			Candidates []struct {
				ID, Name, Skipped string
			} `json:"candidates"`
		} `json:"trace"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	intl := got.Trace[3]
	if got.Rule != "default" || intl.Rule != "international" || !intl.Matched || len(intl.Candidates) != 1 ||
		intl.Candidates[0].Skipped != "suspended" || intl.Reason != "no active partner's territory includes FR; trying the next rule" {
		t.Errorf("%s", b)
	}
}

func TestRouteExcluding(t *testing.T) {
	p, dir, rot := MustDefault(t), testDirectory(), &MemoryRotation{}
	lead := Input{Lead: leadrouter.Lead{Country: "DE"}, Facts: Facts{Exclude: []string{"someone"}}}
	for range 10 {
		d, err := RouteExcluding(context.Background(), p, dir, lead, rot, "p-berlin")
		if err != nil {
			t.Fatal(err)
		}
		if d.Owner.ID != "p-munich" {
			t.Fatalf("got %v\n%s", d.Owner, traceText(d))
		}
	}
	if len(lead.Exclude) != 1 {
		t.Error("RouteExcluding changed the caller's lead")
	}
	// Without the only partner of the country, the lead goes to inside sales.
	d, err := RouteExcluding(context.Background(), p, dir, Input{Lead: leadrouter.Lead{Country: "BE"}}, rot, "p-brussels")
	if err != nil || d.Rule != "default" {
		t.Fatalf("%v %v", d, err)
	}
}

func TestRouteErrors(t *testing.T) {
	p := MustDefault(t)
	boom := errors.New("database is down")
	_, err := Route(context.Background(), p, testDirectory(), Input{Lead: leadrouter.Lead{Country: "DE"}}, failingRotation{boom})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "international") {
		t.Errorf("got %v", err)
	}
	capped := MustParse(t, "rules:\n  - id: t\n    action: assign_territory\n    daily_cap: 1\n")
	if _, err := Route(context.Background(), capped, testDirectory(), Input{Lead: leadrouter.Lead{Country: "DE"}}, countsFail{boom}); !errors.Is(err, boom) {
		t.Errorf("AssignedToday error: %v", err)
	}
	if _, err := Route(context.Background(), nil, testDirectory(), Input{}, &MemoryRotation{}); err == nil {
		t.Error("nil policy accepted")
	}
	if _, err := Route(context.Background(), p, testDirectory(), Input{}, nil); err == nil {
		t.Error("nil rotation accepted")
	}
}

// countsFail works for positions but fails daily counts.
type countsFail struct{ err error }

func (c countsFail) Next(context.Context, string) (int64, error) { return 0, nil }
func (c countsFail) AssignedToday(context.Context, string, string) (int, error) {
	return 0, c.err
}
func (c countsFail) Record(context.Context, string, string) error { return c.err }

func TestDirectoryLiteral(t *testing.T) {
	// A Directory built without NewDirectory routes the same.
	dir := Directory{Partners: testDirectory().Partners, QueueUsers: map[string][]string{"inside-sales": {"u-b", "u-a"}},
		VendorNurtureQueue: "nurture"}
	p := MustDefault(t)
	rot := &MemoryRotation{}
	if d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: "US"}}, rot); d.Owner.ID != "u-a" {
		t.Errorf("got %v", d.Owner)
	}
	if d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: "US"}}, rot); d.Owner.ID != "u-b" {
		t.Errorf("got %v", d.Owner)
	}
	if d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{CreditedPartnerID: "p-austin"}}, rot); d.Owner.ID != "nurture" {
		t.Errorf("got %v", d.Owner)
	}
	// Duplicate ids, bad country codes and out-of-range weights are tidied.
	ix := NewDirectory([]leadrouter.Partner{{ID: "a", Countries: []string{"de", "Germany", "DE"}, Weight: 5000, Status: leadrouter.PartnerActive}, {ID: "a"}}, nil).index
	if len(ix.partners) != 1 || ix.partners[0].Weight != maxWeight || len(ix.partners[0].Countries) != 1 {
		t.Errorf("%+v", ix.partners)
	}
}
