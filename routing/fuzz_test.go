package routing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// fuzzLeads exercise every action of a policy that parsed.
var fuzzLeads = []Input{
	{Lead: leadrouter.Lead{Country: "DE"}}, {Lead: leadrouter.Lead{Country: "US", FormKind: "demo_request", Title: "VP"}}, {Lead: leadrouter.Lead{Country: "BE", CreditedPartnerID: "p-brussels"}},
	{Lead: leadrouter.Lead{Country: "GB"}, Facts: Facts{AccountOwnerPartnerID: "p-austin"}}, {Lead: leadrouter.Lead{Country: "FR", CreditedPartnerID: "p-paris"}}, {Lead: leadrouter.Lead{Country: "ZZ"}, Facts: Facts{Exclude: []string{"p-berlin"}}},
	{Facts: Facts{DuplicateOfLeadID: "l", DuplicateOwner: leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "u"}}}, {Lead: leadrouter.Lead{Country: "Atlantis", CompanySize: 300, Responses: 4}},
}

// FuzzParsePolicy: no input makes ParsePolicy panic; every error names a
// line of the input; a policy that parses parses again from its YAML and
// routes any lead.
func FuzzParsePolicy(f *testing.F) {
	f.Add(DefaultPolicyYAML)
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParsePolicy(src)
		if err != nil {
			var errs PolicyErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T is not PolicyErrors: %v", err, err)
			}
			lines := yamlLines(src)
			for _, e := range errs {
				if e.Line < 1 || e.Line > lines+1 || e.Message == "" {
					t.Fatalf("bad error %+v for %d lines", e, lines)
				}
			}
			return
		}
		if _, err := ParsePolicy(p.YAML()); err != nil {
			t.Fatalf("YAML() does not parse again: %v", err)
		}
		dir, rot := testDirectory(), &MemoryRotation{}
		for _, lead := range fuzzLeads {
			d, err := Route(context.Background(), p, dir, lead, rot)
			if err != nil {
				t.Fatalf("Route(%+v): %v", lead, err)
			}
			if d.Rule == "" || d.Owner.ID == "" || len(d.Trace) == 0 || !d.Trace[len(d.Trace)-1].Fired {
				t.Fatalf("Route(%+v) = %+v", lead, d)
			}
			switch d.Owner.Kind {
			case leadrouter.OwnerPartner, leadrouter.OwnerUser, leadrouter.OwnerQueue:
			default:
				t.Fatalf("owner kind %q", d.Owner.Kind)
			}
		}
	})
}

// yamlLines counts lines as YAML does: \n, \r\n, a lone \r, and the
// Unicode breaks NEL, LS and PS each end one.
func yamlLines(src []byte) int {
	n := 1
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '\n':
			n++
		case src[i] == '\r' && (i+1 == len(src) || src[i+1] != '\n'):
			n++
		}
	}
	s := string(src)
	return n + strings.Count(s, "\u0085") + strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}
