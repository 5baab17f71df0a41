package registration

import (
	"context"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// memorySource is an in-memory Source: accounts by domain, with their
// owners, and nothing else, enough to drive the search's rules without
// SQL (the store's queries have their own tests on both engines).
type memorySource struct {
	accounts map[string]store.ProspectAccount // by domain
	now      time.Time
}

func (m memorySource) ProspectCandidates(_ context.Context, q store.ProspectQuery) (store.ProspectCandidates, error) {
	var c store.ProspectCandidates
	for _, h := range append(append([]string{}, q.Hosts...), q.Domain) {
		if a, ok := m.accounts[h]; ok {
			a.Via = "domain"
			c.Accounts = append(c.Accounts, a)
		}
	}
	return c, nil
}

func (m memorySource) ProspectAccounts(_ context.Context, ids []string) ([]store.ProspectAccount, error) {
	var out []store.ProspectAccount
	for _, id := range ids {
		for _, a := range m.accounts {
			if a.ID == id {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

func (m memorySource) AccountHierarchy(_ context.Context, rootID string) ([]store.ProspectAccount, error) {
	var out []store.ProspectAccount
	for _, a := range m.accounts {
		if a.RootID == rootID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (memorySource) OpenOpportunitiesAt(context.Context, []string, []string) ([]store.ProspectOpportunity, error) {
	return nil, nil
}
func (memorySource) OwnerRegistrationsAt(context.Context, map[string]string) (map[string][]leadrouter.Registration, error) {
	return nil, nil
}
func (m memorySource) Now() time.Time { return m.now }

// The search's rules over a fake store: an unknown prospect is green; one
// whose domain is an account another partner owns is not, and the
// conflict names that partner.
func TestSearchOverAFake(t *testing.T) {
	src := memorySource{now: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), accounts: map[string]store.ProspectAccount{
		"acme.example": {ID: "acc_acme", Name: "Acme Corporation", NameKey: match.NormaliseCompany("Acme Corporation"), Domains: []string{"acme.example"},
			RootID: "acc_acme", OwnerPartnerID: "ptr_austin"},
	}}
	prospect := func(company, domain string) Prospect {
		return Prospect{Company: company, CompanyKey: match.NormaliseCompany(company), Host: domain, Domain: domain}
	}
	a, err := search(context.Background(), src, prospect("Brand New GmbH", "brand-new.example"), "ptr_berlin", "")
	if err != nil || a.Flag != leadrouter.FlagGreen || len(a.Conflicts) != 0 {
		t.Fatalf("an unknown prospect: %+v %v", a, err)
	}
	a, err = search(context.Background(), src, prospect("Acme Corporation", "acme.example"), "ptr_berlin", "")
	if err != nil || a.Flag == leadrouter.FlagGreen {
		t.Fatalf("another partner's account: %+v %v", a, err)
	}
	if len(a.Conflicts) == 0 || a.Conflicts[0].PartnerID != "ptr_austin" {
		t.Fatalf("conflicts %+v, want Austin's account", a.Conflicts)
	}
	// The owner registering its own account is not in conflict with itself.
	a, err = search(context.Background(), src, prospect("Acme Corporation", "acme.example"), "ptr_austin", "")
	if err != nil || a.Flag != leadrouter.FlagGreen {
		t.Fatalf("the owner's own account: %+v %v", a, err)
	}
}
