package leadrouter_test

import (
	"encoding/json"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// TestParseValues: every value type accepts its known values and refuses
// anything else with EINVALID; the names lists hold exactly the valid
// values.
func TestParseValues(t *testing.T) {
	check := func(what string, parse func(string) error, good []string, bad ...string) {
		t.Helper()
		for _, s := range good {
			if err := parse(s); err != nil {
				t.Errorf("%s %q: %v", what, s, err)
			}
		}
		for _, s := range append(bad, "", "nope", "NEW ") {
			if err := parse(s); leadrouter.ErrorCode(err) != leadrouter.EINVALID {
				t.Errorf("%s %q: err = %v, want EINVALID", what, s, err)
			}
		}
	}
	check("lead status", func(s string) error { _, err := leadrouter.ParseLeadStatus(s); return err }, leadrouter.LeadStatusNames(), "New")
	check("source", func(s string) error { _, err := leadrouter.ParseSource(s); return err }, leadrouter.SourceNames(), "web form")
	check("opportunity status", func(s string) error { _, err := leadrouter.ParseOpportunityStatus(s); return err }, leadrouter.OpportunityStatusNames())
	check("owner kind", func(s string) error { _, err := leadrouter.ParseOwnerKind(s); return err }, []string{"partner", "user", "queue"})
	check("registration status", func(s string) error { _, err := leadrouter.ParseRegistrationStatus(s); return err },
		[]string{"approved", "pending", "rejected", "expired"})
	check("registration flag", func(s string) error { _, err := leadrouter.ParseRegistrationFlag(s); return err }, []string{"green", "yellow", "red"})
	check("effect", func(s string) error { _, err := leadrouter.ParseEffect(s); return err },
		[]string{"red", "yellow", "own", "none", "claimed", "created"})
	check("partner status", func(s string) error { _, err := leadrouter.ParsePartnerStatus(s); return err }, []string{"active", "suspended"})
	check("touch kind", func(s string) error { _, err := leadrouter.ParseTouchKind(s); return err }, []string{"link", "code", "event", "api"})
	check("reassignment status", func(s string) error { _, err := leadrouter.ParseReassignmentStatus(s); return err }, []string{"open", "resolved"})

	if len(leadrouter.LeadStatusNames()) != 6 || len(leadrouter.SourceNames()) != 8 || len(leadrouter.OpportunityStatusNames()) != 5 {
		t.Error("a names list lost or gained a value")
	}
	for _, s := range []leadrouter.LeadStatus{leadrouter.StatusConverted, leadrouter.StatusDisqualified} {
		if s.Open() {
			t.Errorf("%s is open", s)
		}
	}
	if !leadrouter.StatusMQL.Open() {
		t.Error("mql is not open")
	}
}

// TestValueJSON: typed values keep the JSON shape of plain strings.
func TestValueJSON(t *testing.T) {
	l := leadrouter.Lead{Status: leadrouter.StatusMQL, Source: leadrouter.SourceCall, Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "q"}}
	raw, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["status"] != "mql" || m["source"] != "call" || m["owner"].(map[string]any)["kind"] != "queue" {
		t.Errorf("lead JSON = %s", raw)
	}
	var back leadrouter.Lead
	if err := json.Unmarshal(raw, &back); err != nil || back.Status != leadrouter.StatusMQL || back.Owner.Kind != leadrouter.OwnerQueue {
		t.Errorf("round trip = %+v, %v", back, err)
	}
}
