package match

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRank(t *testing.T) {
	cands := []Candidate{
		{Kind: KindLead, ID: "L1", Email: "Bob@Acme.com", Company: "Acme Corp", Status: "new", Owner: "u1"},
		{Kind: KindContact, ID: "C1", Email: "alice@sales.acme.com", Company: "ACME", Status: "active", Owner: "u2"},
		{Kind: KindAccount, ID: "A1", Company: "Acme Corporation", Domains: []string{"acme.com", "acme.de"}, Owner: "p1"},
		{Kind: KindAccount, ID: "A2", Company: "Acme Bank", Domains: []string{"acmebank.com"}},
		{Kind: KindRegistration, ID: "R1", Company: "Acme Holdings Ltd", Domains: []string{"https://www.acme.com/"}, Status: "approved", Owner: "p2"},
		{Kind: KindLead, ID: "L2", Email: "carol@gmail.com", Company: "Zenith", Status: "new"},
		{Kind: KindAccount, ID: "A3", Company: "Acme Corp", CompanyKey: "acme"},
	}
	tests := []struct {
		name string
		q    Query
		want []Match
	}{
		{
			name: "email, domain and company",
			q:    Query{Email: "bob@acme.com", Company: "The Acme Company"},
			want: []Match{
				{Kind: KindLead, ID: "L1", Score: 1, Reasons: []string{"email", "domain", "company"}, Status: "new", Owner: "u1"},
				{Kind: KindContact, ID: "C1", Score: 0.95, Reasons: []string{"domain", "company"}, Status: "active", Owner: "u2"},
				{Kind: KindAccount, ID: "A1", Score: 0.95, Reasons: []string{"domain", "company"}, Owner: "p1"},
				{Kind: KindAccount, ID: "A3", Score: 0.95, Reasons: []string{"company"}},
				{Kind: KindRegistration, ID: "R1", Score: 0.9, Reasons: []string{"domain", "similar_company"}, Status: "approved", Owner: "p2"},
			},
		},
		{
			name: "domain only, from a URL",
			q:    Query{Domain: "https://emea.acme.com/contact"},
			want: []Match{
				{Kind: KindLead, ID: "L1", Score: 0.9, Reasons: []string{"domain"}, Status: "new", Owner: "u1"},
				{Kind: KindContact, ID: "C1", Score: 0.9, Reasons: []string{"domain"}, Status: "active", Owner: "u2"},
				{Kind: KindAccount, ID: "A1", Score: 0.9, Reasons: []string{"domain"}, Owner: "p1"},
				{Kind: KindRegistration, ID: "R1", Score: 0.9, Reasons: []string{"domain"}, Status: "approved", Owner: "p2"},
			},
		},
		{
			name: "free mail matches the address, never the domain",
			q:    Query{Email: "CAROL@gmail.com"},
			want: []Match{
				{Kind: KindLead, ID: "L2", Score: 1, Reasons: []string{"email"}, Status: "new"},
			},
		},
		{
			name: "another free-mail user matches nothing",
			q:    Query{Email: "dave@gmail.com", Domain: "gmail.com"},
			want: nil,
		},
		{
			name: "a near-miss name",
			q:    Query{Company: "Acme Bnak"},
			want: []Match{
				{Kind: KindAccount, ID: "A2", Score: 0.89, Reasons: []string{"similar_company"}},
			},
		},
		{
			name: "nothing typed",
			q:    Query{},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rank(tt.q, cands)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-9), cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Match{}, "Company")); diff != "" {
				t.Errorf("Rank(%+v) mismatch (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

// TestRankOrder checks the order of equal scores (kind, then ID) and that
// Rank does not depend on the order of its candidates.
func TestRankOrder(t *testing.T) {
	cands := []Candidate{
		{Kind: KindRegistration, ID: "r1", Company: "Acme"},
		{Kind: KindAccount, ID: "b", Company: "Acme"},
		{Kind: KindAccount, ID: "a", Company: "Acme"},
		{Kind: KindContact, ID: "c1", Company: "Acme"},
		{Kind: KindLead, ID: "l1", Company: "Acme"},
		{Kind: KindLead, ID: "l0", Company: "Acme Bnak"},
	}
	want := []string{"l1", "c1", "a", "b", "r1"}
	for shift := range cands {
		rotated := append(append([]Candidate(nil), cands[shift:]...), cands[:shift]...)
		var got []string
		for _, m := range Rank(Query{Company: "ACME Inc."}, rotated) {
			got = append(got, m.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rotation %d: order mismatch (-want +got):\n%s", shift, diff)
		}
	}
}

// TestRankReasonsIndependent checks that the reasons of one match cannot be
// changed through another's.
func TestRankReasonsIndependent(t *testing.T) {
	matches := Rank(Query{Company: "Acme"}, []Candidate{
		{Kind: KindAccount, ID: "a", Company: "Acme"},
		{Kind: KindAccount, ID: "b", Company: "Acme"},
	})
	if len(matches) != 2 {
		t.Fatalf("got %d matches, want 2", len(matches))
	}
	matches[0].Reasons = append(matches[0].Reasons, "extra")
	if diff := cmp.Diff([]string{"company"}, matches[1].Reasons); diff != "" {
		t.Errorf("appending to one match's reasons changed another's (-want +got):\n%s", diff)
	}
}
