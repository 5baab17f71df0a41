package store_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestMatchCandidates: the exact searches (e-mail, domain, company key)
// and the company-word postings find each record once, with the columns
// the ranking and the API show, and a converted lead is no candidate by
// its domain alone.
func TestMatchCandidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var acc leadrouter.Account
		leads := map[string]*leadrouter.Lead{
			"by e-mail":      {Status: "new", LastName: "A", Email: "anna@initech.example", Company: "Initech GmbH", Owner: leadrouter.Owner{Kind: "partner"}},
			"by domain":      {Status: "mql", LastName: "B", Email: "bob@initech.example", Company: "Initech", Owner: leadrouter.Owner{Kind: "queue", ID: "inside-sales"}},
			"converted":      {Status: "converted", LastName: "C", Email: "carl@initech.example", Company: "Other Name", Owner: leadrouter.Owner{Kind: "queue", ID: "inside-sales"}},
			"by company key": {Status: "new", LastName: "D", Email: "dora@gmail.example", Company: "Initech", Owner: leadrouter.Owner{Kind: "queue", ID: "inside-sales"}},
			"by a word":      {Status: "new", LastName: "E", Email: "eve@elsewhere.example", Company: "Initech Holdings Europe", Owner: leadrouter.Owner{Kind: "queue", ID: "inside-sales"}},
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Owner AG", Countries: []string{"DE"}, Tier: "gold"})
			if err != nil {
				return err
			}
			leads["by e-mail"].Owner.ID, leads["by e-mail"].Owner.PartnerID = p.ID, p.ID
			leads["by company key"].ReservedPartnerID = p.ID
			if acc, err = adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Initech", Domains: []string{"initech.example", "initech.de"}}); err != nil {
				return err
			}
			for _, l := range leads {
				l.Source = "api"
				if err := tx.InsertLead(ctx, l); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// The company words are indexed behind the writer, in a
		// transaction of their own.
		storetest.MustIndexLeads(t, db, len(leads))
		var got []leadrouter.MatchCandidate
		if err := db.View(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.MatchCandidates(ctx, leadrouter.MatchQuery{Email: "anna@initech.example", Domain: "initech.example",
				CompanyKey: match.NormaliseCompany("Initech"), Tokens: match.CompanyTokens("Initech Holdings"), Limit: 16})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		byID := map[string]leadrouter.MatchCandidate{}
		for _, c := range got {
			if _, dup := byID[c.ID]; dup {
				t.Errorf("%s %s found twice", c.Kind, c.ID)
			}
			byID[c.ID] = c
		}
		for name, l := range leads {
			c, ok := byID[l.ID]
			if name == "converted" {
				if ok {
					t.Errorf("the converted lead is a candidate: %+v", c)
				}
				continue
			}
			want := leadrouter.MatchCandidate{Kind: "lead", ID: l.ID, Email: l.Email, Company: l.Company, Status: string(l.Status),
				Owner: string(l.Owner.Kind) + ":" + l.Owner.ID, PartnerID: l.Owner.PartnerID, Reserved: l.ReservedPartnerID}
			if c.Kind != want.Kind || c.Email != want.Email || c.Company != want.Company || c.Status != want.Status ||
				c.Owner != want.Owner || c.PartnerID != want.PartnerID || c.Reserved != want.Reserved {
				t.Errorf("lead %s: got %+v, want %+v", name, c, want)
			}
		}
		if c := byID[acc.ID]; c.Kind != "account" || c.Company != "Initech" || len(c.Domains) != 2 {
			t.Errorf("account: got %+v", c)
		}
		if len(got) != 5 {
			t.Errorf("%d candidates, want the account and four leads: %+v", len(got), got)
		}
	})
}
