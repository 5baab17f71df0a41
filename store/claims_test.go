package store_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestClaimsFor: the one statement of the claims on a new lead finds the
// live registrations of its company by key and by domain (in id order),
// and partners' open leads at its account, domain and company and their
// live opportunities at the account; not an expired, pending or unrelated
// registration, a closed lead, the vendor's own lead, a closed deal or
// the lead itself. Each search alone finds only its own.
func TestClaimsFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		partners := map[string]string{}
		var acc leadrouter.Account
		later, earlier := time.Now().Add(30*24*time.Hour), time.Now().Add(-24*time.Hour)
		regs := map[string]*leadrouter.Registration{
			"by company":  {Company: "Initech", Status: leadrouter.RegistrationApproved},
			"by domain":   {Company: "Initech Deutschland", Domain: "initech.example", Status: leadrouter.RegistrationApproved, ExpiresAt: &later},
			"expired":     {Company: "Initech", Status: leadrouter.RegistrationApproved, ExpiresAt: &earlier},
			"pending":     {Company: "Initech", Domain: "initech.example", Status: leadrouter.RegistrationPending},
			"rejected":    {Company: "Initech", Status: leadrouter.RegistrationRejected},
			"another one": {Company: "Unrelated Widgets", Domain: "widgets.example", Status: leadrouter.RegistrationApproved},
		}
		regPartner := map[string]string{"by company": "one", "by domain": "two", "expired": "three", "pending": "three", "rejected": "three", "another one": "three"}
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		leads := map[string]*leadrouter.Lead{
			"at the account": {Status: leadrouter.StatusNew, Email: "anna@initech.example", Company: "Acme Holdings"},
			"at the domain":  {Status: leadrouter.StatusMQL, Email: "bob@initech.example", Company: "Someone Else"},
			"at the company": {Status: leadrouter.StatusNew, Email: "carl@gmail.example", Company: "Initech"},
			"converted":      {Status: leadrouter.StatusConverted, Email: "dora@initech.example", Company: "Initech"},
			"converted too":  {Status: leadrouter.StatusConverted, Email: "gina@initech.example", Company: "Initech"},
			"the vendor's":   {Status: leadrouter.StatusNew, Email: "eve@initech.example", Company: "Initech", Owner: queue},
			"the lead":       {Status: leadrouter.StatusNew, Email: "fred@initech.example", Company: "Initech"},
		}
		leadPartner := map[string]string{"at the account": "one", "at the domain": "two", "at the company": "three", "converted": "one",
			"converted too": "three", "the lead": "two"}
		opps := map[string]*leadrouter.Opportunity{
			"handed off": {Name: "Initech deal", Status: leadrouter.OppHandedOff},
			"won":        {Name: "Initech old deal", Status: leadrouter.OppWon},
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, name := range []string{"one", "two", "three"} {
				p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Partner " + name, Countries: []string{"DE"}, Tier: "gold"})
				if err != nil {
					return err
				}
				partners[name] = p.ID
			}
			var err error
			if acc, err = adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Initech", Domains: []string{"initech.example"}}); err != nil {
				return err
			}
			for name, r := range regs {
				r.PartnerID, r.CreatedBy, r.Flag = partners[regPartner[name]], "usr_x", leadrouter.FlagGreen
				if err := tx.InsertRegistration(ctx, r); err != nil {
					return err
				}
			}
			for name, l := range leads {
				l.Source = leadrouter.SourceAPI
				if p := leadPartner[name]; p != "" {
					l.Owner = leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: partners[p], PartnerID: partners[p]}
				}
				if name == "at the account" || name == "the vendor's" || name == "the lead" || name == "converted" || name == "converted too" {
					l.AccountID = acc.ID
				}
				if err := tx.InsertLead(ctx, l); err != nil {
					return err
				}
			}
			con := leadrouter.Contact{AccountID: acc.ID, FirstName: "Dora", LastName: "D", Email: "dora@initech.example"}
			if err := tx.InsertContact(ctx, &con); err != nil {
				return err
			}
			for name, o := range opps {
				o.LeadID, o.AccountID, o.ContactID, o.PartnerID = leads["converted"].ID, acc.ID, con.ID, partners["two"]
				if name == "won" {
					o.LeadID = leads["converted too"].ID
				}
				if err := tx.InsertOpportunity(ctx, o); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		claims := func(q store.ClaimsQuery) store.Claimants {
			t.Helper()
			var c store.Claimants
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				c, err = tx.ClaimsFor(ctx, q)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			sort.Slice(c.Records, func(i, j int) bool { return c.Records[i].Ref < c.Records[j].Ref })
			return c
		}
		rec := func(partner, ref string) store.PartnerRecord {
			return store.PartnerRecord{PartnerID: partners[partner], Ref: ref}
		}
		sorted := func(rs ...store.PartnerRecord) []store.PartnerRecord {
			return slices.SortedFunc(slices.Values(rs), func(a, b store.PartnerRecord) int {
				if a.Ref < b.Ref {
					return -1
				}
				return 1
			})
		}
		key := match.NormaliseCompany("Initech")
		all := claims(store.ClaimsQuery{AccountID: acc.ID, Domain: "initech.example", RegistrableDomain: "initech.example",
			CompanyKey: key, ExcludeLeadID: leads["the lead"].ID})
		if want := sorted(rec("one", regs["by company"].ID), rec("two", regs["by domain"].ID)); !reflect.DeepEqual(all.Registrations, want) {
			t.Errorf("registrations: got %+v, want %+v", all.Registrations, want)
		}
		if want := sorted(rec("one", leads["at the account"].ID), rec("two", leads["at the domain"].ID), rec("three", leads["at the company"].ID),
			rec("two", opps["handed off"].ID)); !reflect.DeepEqual(all.Records, want) {
			t.Errorf("open records: got %+v, want %+v", all.Records, want)
		}
		// Each search alone.
		for name, c := range map[string]struct {
			q          store.ClaimsQuery
			regs, recs []store.PartnerRecord
		}{
			"account": {store.ClaimsQuery{AccountID: acc.ID, ExcludeLeadID: leads["the lead"].ID}, nil,
				sorted(rec("one", leads["at the account"].ID), rec("two", opps["handed off"].ID))},
			"domain": {store.ClaimsQuery{Domain: "initech.example", ExcludeLeadID: leads["the lead"].ID}, nil,
				sorted(rec("one", leads["at the account"].ID), rec("two", leads["at the domain"].ID))},
			"registrable domain": {store.ClaimsQuery{RegistrableDomain: "initech.example"}, sorted(rec("two", regs["by domain"].ID)), nil},
			"company": {store.ClaimsQuery{CompanyKey: key, ExcludeLeadID: leads["the lead"].ID}, sorted(rec("one", regs["by company"].ID)),
				sorted(rec("three", leads["at the company"].ID))},
			"nothing": {store.ClaimsQuery{ExcludeLeadID: leads["the lead"].ID}, nil, nil},
		} {
			got := claims(c.q)
			if !reflect.DeepEqual(got.Registrations, c.regs) || !reflect.DeepEqual(got.Records, c.recs) {
				t.Errorf("%s alone: got %+v, want registrations %+v and records %+v", name, got, c.regs, c.recs)
			}
		}
	})
}

// TestConflictVisibleToEachPartnersPAM: a conflict is listed for the PAM
// of every partner that claims the lead (a partner claiming twice counts
// once), for staff, and for no other PAM.
func TestConflictVisibleToEachPartnersPAM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		pams := map[string]leadrouter.Actor{}
		partners := map[string]string{}
		conflict := leadrouter.Conflict{ID: leadrouter.NewID("cfl"), Status: leadrouter.ConflictOpen, CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, name := range []string{"a", "b", "c"} {
				u, _, err := tx.InsertUser(ctx, leadrouter.NewUser{Email: "pam-" + name + "@vendor.example", Name: "PAM " + name, Role: leadrouter.RolePAM})
				if err != nil {
					return err
				}
				pams[name] = leadrouter.Actor{UserID: u.ID, Role: leadrouter.RolePAM}
				p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Partner " + name, Countries: []string{"DE"},
					Tier: "gold", PAMUserID: u.ID})
				if err != nil {
					return err
				}
				partners[name] = p.ID
			}
			lead := leadrouter.Lead{Status: leadrouter.StatusNew, Email: "anna@initech.example", Source: leadrouter.SourceAPI,
				Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}}
			if err := tx.InsertLead(ctx, &lead); err != nil {
				return err
			}
			conflict.LeadID, conflict.WinnerID = lead.ID, partners["a"]
			conflict.Claims = []leadrouter.Claim{{PartnerID: partners["a"], Kind: leadrouter.ClaimPID}, {PartnerID: partners["b"], Kind: leadrouter.ClaimRegistration},
				{PartnerID: partners["a"], Kind: leadrouter.ClaimOpenRecord}}
			return tx.InsertConflict(ctx, conflict)
		}); err != nil {
			t.Fatal(err)
		}
		for who, c := range map[string]struct {
			actor leadrouter.Actor
			sees  bool
		}{
			"the PAM of the first claimant":  {pams["a"], true},
			"the PAM of the second claimant": {pams["b"], true},
			"another PAM":                    {pams["c"], false},
			"partner relations":              {leadrouter.Actor{UserID: "usr_rel", Role: leadrouter.RoleRelations}, true},
		} {
			var page store.Page[leadrouter.Conflict]
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				page, err = tx.Conflicts(ctx, c.actor, "", 50, "")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if sees := len(page.Items) == 1 && page.Items[0].ID == conflict.ID; sees != c.sees || len(page.Items) > 1 {
				t.Errorf("%s sees %+v, want the conflict: %v", who, page.Items, c.sees)
			}
		}
	})
}
