package match

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

// memory is an in-memory Source: the candidates it holds are returned when
// they share a key with the query, as the store's indexes would.
type memory struct {
	cands    []leadrouter.MatchCandidate
	accounts map[string]leadrouter.AccountMatch // by domain or company key
	queries  []leadrouter.MatchQuery
}

func (m *memory) MatchCandidates(_ context.Context, q leadrouter.MatchQuery) ([]leadrouter.MatchCandidate, error) {
	m.queries = append(m.queries, q)
	var out []leadrouter.MatchCandidate
	for _, c := range m.cands {
		reg, _ := RegistrableDomain(EmailDomain(c.Email))
		if (q.Email != "" && q.Email == c.Email) || (q.Domain != "" && (slices.Contains(c.Domains, q.Domain) || reg == q.Domain)) ||
			(q.CompanyKey != "" && NormaliseCompany(c.Company) == q.CompanyKey) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memory) MatchAccount(_ context.Context, domain, companyKey string) (leadrouter.AccountMatch, bool, error) {
	if a, ok := m.accounts[domain]; ok && domain != "" {
		return a, true, nil
	}
	a, ok := m.accounts[companyKey]
	return a, ok && companyKey != "", nil
}

func TestLookup(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	src := &memory{cands: []leadrouter.MatchCandidate{
		{Kind: "lead", ID: "lead_1", Email: "anna@acme.com", Company: "Acme GmbH", Status: "new", Owner: "partner:ptr_b"},
		{Kind: "account", ID: "acc_1", Company: "ACME", Domains: []string{"acme.com"}, Owner: "partner:ptr_a"},
		{Kind: "registration", ID: "reg_live", Company: "Acme", Domains: []string{"acme.com"}, Status: "approved", Expires: "2027-03-01T00:00:00Z"},
		{Kind: "registration", ID: "reg_gone", Company: "Acme", Domains: []string{"acme.com"}, Status: "approved", Expires: "2026-12-01T00:00:00Z"},
		{Kind: "registration", ID: "reg_no", Company: "Acme", Domains: []string{"acme.com"}, Status: "rejected"},
	}}
	got, err := Lookup(context.Background(), src, " Anna@ACME.com ", "Acme GmbH", "", now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if want := []string{"lead_1", "acc_1", "reg_live"}; !slices.Equal(ids, want) {
		t.Errorf("lookup = %v, want %v (best first, dead registrations left out)", ids, want)
	}
	if got[0].Score != 1 || !slices.Contains(got[0].Reasons, ReasonEmail) {
		t.Errorf("the same e-mail: %+v", got[0])
	}
	q := src.queries[0]
	if q.Email != "anna@acme.com" || q.Domain != "acme.com" || q.CompanyKey != NormaliseCompany("Acme") || len(q.Tokens) == 0 {
		t.Errorf("the query's keys: %+v", q)
	}

	// A free-mail address adds no domain to the search.
	if _, err := Lookup(context.Background(), src, "someone@gmail.com", "", "", now); err != nil {
		t.Fatal(err)
	}
	if q := src.queries[1]; q.Domain != "" {
		t.Errorf("free mail searched by domain %q", q.Domain)
	}
	// Nothing to search by, or too long: every offending field at once.
	_, err = Lookup(context.Background(), src, "", "", "", now)
	if leadrouter.ErrorCode(err) != leadrouter.EINVALID {
		t.Errorf("empty lookup: %v", err)
	}
}

func TestLiveRegistration(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		status  leadrouter.RegistrationStatus
		expires string
		want    bool
	}{
		{leadrouter.RegistrationPending, "", true},
		{leadrouter.RegistrationApproved, "2027-03-01T00:00:00Z", true},
		{leadrouter.RegistrationApproved, "2026-12-01T00:00:00Z", false},
		{leadrouter.RegistrationRejected, "", false},
		{leadrouter.RegistrationExpired, "2026-11-01T00:00:00Z", false},
	} {
		got := liveRegistration(leadrouter.MatchCandidate{Kind: "registration", Status: string(c.status), Expires: c.expires}, now)
		if got != c.want {
			t.Errorf("%s until %q: live = %v, want %v", c.status, c.expires, got, c.want)
		}
	}
}

func TestAccount(t *testing.T) {
	src := &memory{accounts: map[string]leadrouter.AccountMatch{
		"emea.acme.com":            {ID: "acc_emea", By: "email_domain", OwnerPartnerID: "ptr_a"},
		NormaliseCompany("Tyrell"): {ID: "acc_t", By: "company_name"},
	}}
	ctx := context.Background()
	if m, ok, _ := Account(ctx, src, "anna@emea.acme.com", "whatever"); !ok || m.ID != "acc_emea" {
		t.Errorf("by domain: %+v %v", m, ok)
	}
	if m, ok, _ := Account(ctx, src, "anna@gmail.com", "Tyrell Corp."); !ok || m.ID != "acc_t" {
		t.Errorf("free mail falls back to the company: %+v %v", m, ok)
	}
	if _, ok, _ := Account(ctx, src, "", "Nobody"); ok {
		t.Error("matched nothing")
	}
}
