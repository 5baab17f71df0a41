package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestProspectCandidates: a registration's conflict search finds each
// account, lead, contact and live registration once, with the search that
// found it first (the domain before the company), an account with all its
// domains, and leaves out the registration being decided and a rejected
// one. Their rows are read in one statement for each kind.
func TestProspectCandidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var byDomain, byName leadrouter.Account
		var con leadrouter.Contact
		leads := map[string]*leadrouter.Lead{
			"by domain":  {Status: leadrouter.StatusNew, Email: "bob@initech.example", Company: "Other Co"},
			"by both":    {Status: leadrouter.StatusNew, Email: "dora@initech.example", Company: "Initech"},
			"by company": {Status: leadrouter.StatusMQL, Email: "carl@gmail.example", Company: "Initech"},
			"elsewhere":  {Status: leadrouter.StatusNew, Email: "eve@else.example", Company: "Else"},
		}
		regs := map[string]*leadrouter.Registration{
			"by domain":     {Company: "Initech Deutschland", Domain: "initech.example", Status: leadrouter.RegistrationPending},
			"by company":    {Company: "Initech", Status: leadrouter.RegistrationApproved},
			"being decided": {Company: "Initech", Domain: "initech.example", Status: leadrouter.RegistrationPending},
			"rejected":      {Company: "Initech", Status: leadrouter.RegistrationRejected},
		}
		var tokens []string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Registrar", Countries: []string{"DE"}, Tier: "gold"})
			if err != nil {
				return err
			}
			if byDomain, err = adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Initech Holdings", Domains: []string{"initech.example", "initech.de"}}); err != nil {
				return err
			}
			if byName, err = adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Initech", Domains: []string{"initech-labs.example"}}); err != nil {
				return err
			}
			for _, l := range leads {
				l.Source, l.Owner = leadrouter.SourceAPI, leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
				if err := tx.InsertLead(ctx, l); err != nil {
					return err
				}
			}
			con = leadrouter.Contact{AccountID: byName.ID, FirstName: "Zebulon", LastName: "Quux", Email: "zq@initech-labs.example"}
			if err := tx.InsertContact(ctx, &con); err != nil {
				return err
			}
			for _, r := range regs {
				r.PartnerID, r.CreatedBy, r.Flag = p.ID, "usr_x", leadrouter.FlagGreen
				if err := tx.InsertRegistration(ctx, r); err != nil {
					return err
				}
			}
			// The contact's own tokens (its person's), found as a near miss.
			rows, err := tx.Query(ctx, `SELECT token FROM company_tokens WHERE ref_id = ? ORDER BY token`, con.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var tok string
				if err := rows.Scan(&tok); err != nil {
					return err
				}
				tokens = append(tokens, tok)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if len(tokens) == 0 {
			t.Fatal("the contact has no tokens")
		}
		var got store.ProspectCandidates
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			got, err = tx.ProspectCandidates(ctx, store.ProspectQuery{Hosts: []string{"initech.example"}, Domain: "initech.example",
				CompanyKey: match.NormaliseCompany("Initech"), Tokens: tokens, ExcludeID: regs["being decided"].ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var accounts []string
		for _, a := range got.Accounts {
			accounts = append(accounts, a.ID+" "+a.Via)
			if a.ID == byDomain.ID && !reflect.DeepEqual(a.Domains, []string{"initech.de", "initech.example"}) {
				t.Errorf("the account's domains: %v", a.Domains)
			}
		}
		if want := []string{byDomain.ID + " domain", byName.ID + " company"}; !slices.Equal(accounts, want) {
			t.Errorf("accounts %v, want %v", accounts, want)
		}
		via := map[string]string{}
		for i, l := range got.Leads {
			if _, dup := via[l.ID]; dup {
				t.Errorf("lead %s found twice", l.ID)
			}
			via[l.ID] = l.Via
			if i > 0 && got.Leads[i-1].Via == "company" && l.Via == "domain" {
				t.Errorf("a lead found by domain after one found by company: %+v", got.Leads)
			}
		}
		if want := map[string]string{leads["by domain"].ID: "domain", leads["by both"].ID: "domain", leads["by company"].ID: "company"}; !reflect.DeepEqual(via, want) {
			t.Errorf("leads %v, want %v", via, want)
		}
		if len(got.Contacts) != 1 || got.Contacts[0] != (store.ProspectContact{ID: con.ID, AccountID: byName.ID, AccountName: "Initech", Email: con.Email}) {
			t.Errorf("contacts %+v", got.Contacts)
		}
		var found []string
		for _, r := range got.Registrations {
			found = append(found, r.ID)
			if r.Company == "" || r.PartnerID == "" {
				t.Errorf("registration %s read without its columns: %+v", r.ID, r)
			}
		}
		slices.Sort(found)
		if want := slices.Sorted(slices.Values([]string{regs["by domain"].ID, regs["by company"].ID})); !slices.Equal(found, want) {
			t.Errorf("registrations %v, want %v", found, want)
		}
	})
}

// TestOpenOpportunitiesAt: the open opportunities at any of some accounts
// or of any of some leads, in one statement, by id; not a won or lost one.
func TestOpenOpportunitiesAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		accounts := make([]leadrouter.Account, 3)
		opps := map[string]*leadrouter.Opportunity{
			"open at the first":        {Name: "A", Status: leadrouter.OppOpen},
			"handed off at the second": {Name: "B", Status: leadrouter.OppHandedOff},
			"won at the first":         {Name: "C", Status: leadrouter.OppWon},
			"lost at the second":       {Name: "D", Status: leadrouter.OppLost},
			"open at the third":        {Name: "E", Status: leadrouter.OppOpen},
		}
		at := map[string]int{"open at the first": 0, "handed off at the second": 1, "won at the first": 0, "lost at the second": 1, "open at the third": 2}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := range accounts {
				var err error
				if accounts[i], err = adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Account " + string(rune('A'+i))}); err != nil {
					return err
				}
			}
			for name, o := range opps {
				a := accounts[at[name]]
				l := leadrouter.Lead{Status: leadrouter.StatusConverted, Email: "x@" + strings.ToLower(o.Name) + ".example", Company: a.Name, Source: leadrouter.SourceAPI,
					Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, AccountID: a.ID}
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
				con := leadrouter.Contact{AccountID: a.ID, FirstName: "X", LastName: o.Name, Email: l.Email, LeadID: l.ID}
				if err := tx.InsertContact(ctx, &con); err != nil {
					return err
				}
				o.LeadID, o.AccountID, o.ContactID = l.ID, a.ID, con.ID
				if err := tx.InsertOpportunity(ctx, o); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name            string
			accounts, leads []string
			want            []string
		}{
			{"two accounts and a lead", []string{accounts[0].ID, accounts[1].ID}, []string{opps["open at the third"].LeadID},
				[]string{opps["open at the first"].ID, opps["handed off at the second"].ID, opps["open at the third"].ID}},
			{"a lead alone", nil, []string{opps["open at the first"].LeadID, opps["won at the first"].LeadID}, []string{opps["open at the first"].ID}},
			{"an account and its own lead", []string{accounts[2].ID}, []string{opps["open at the third"].LeadID}, []string{opps["open at the third"].ID}},
			{"nothing", nil, nil, nil},
		} {
			var got []store.ProspectOpportunity
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				got, err = tx.OpenOpportunitiesAt(ctx, c.accounts, c.leads)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, slices.Sorted(slices.Values(c.want))) {
				t.Errorf("%s: %v, want %v", c.name, ids, c.want)
			}
		}
	})
}

// TestOwnerRegistrationsAt: the registrations behind owned accounts, read
// for several accounts at once, are each account's owner's registrations
// linked to it, newest first, as RegistrationsOfAccount reads them one
// account at a time: not another partner's at the same account, not the
// owner's at another account, none for an account not asked about.
func TestOwnerRegistrationsAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		partners := map[string]string{}
		accounts := map[string]string{}
		regs := []struct{ name, partner, account string }{
			{"one's first at A", "one", "A"}, {"two's at A", "two", "A"}, {"one's second at A", "one", "A"},
			{"two's at B", "two", "B"}, {"one's at B", "one", "B"}, {"one's at C", "one", "C"}, {"one's unlinked", "one", ""},
		}
		ids := map[string]string{}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, name := range []string{"one", "two"} {
				p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Partner " + name, Countries: []string{"DE"}, Tier: "gold"})
				if err != nil {
					return err
				}
				partners[name] = p.ID
			}
			for _, name := range []string{"A", "B", "C"} {
				a, err := adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Account " + name})
				if err != nil {
					return err
				}
				accounts[name] = a.ID
			}
			for i, r := range regs {
				// Ids in the order of the list, so "newest first" is known.
				reg := leadrouter.Registration{ID: fmt.Sprintf("reg_%02d", i), PartnerID: partners[r.partner], CreatedBy: "usr_x", Company: "Account " + r.account,
					Flag: leadrouter.FlagGreen, Status: leadrouter.RegistrationApproved, AccountID: accounts[r.account]}
				if err := tx.InsertRegistration(ctx, &reg); err != nil {
					return err
				}
				ids[r.name] = reg.ID
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		owners := map[string]string{accounts["A"]: partners["one"], accounts["B"]: partners["two"]}
		var got map[string][]leadrouter.Registration
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			got, err = tx.OwnerRegistrationsAt(ctx, owners)
			if err != nil {
				return err
			}
			// The same as one account at a time.
			for account, partner := range owners {
				one, err := tx.RegistrationsOfAccount(ctx, partner, account)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(one, got[account]) {
					t.Errorf("account %s: %+v at once, %+v alone", account, got[account], one)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		names := map[string][]string{}
		for account, rs := range got {
			for _, r := range rs {
				names[account] = append(names[account], r.ID)
			}
		}
		want := map[string][]string{accounts["A"]: {ids["one's second at A"], ids["one's first at A"]}, accounts["B"]: {ids["two's at B"]}}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("got %v, want %v", names, want)
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			none, err := tx.OwnerRegistrationsAt(ctx, nil)
			if err != nil || len(none) != 0 {
				t.Errorf("no accounts: %v %v", none, err)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
