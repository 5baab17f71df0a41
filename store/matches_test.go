package store_test

import (
	"context"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestMatchCandidates: the exact searches (e-mail, domain, company key)
// and the company-word postings find each record once, with the columns
// the ranking and the API show (leads, the account with its domains, a
// contact with its account, registrations with their expiry), and a
// converted lead is no candidate by its domain alone.
func TestMatchCandidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var acc leadrouter.Account
		var partner leadrouter.Partner
		var con leadrouter.Contact
		expires := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
		regs := map[string]*leadrouter.Registration{
			"by domain": {Company: "Initech Deutschland", Domain: "initech.example", Status: leadrouter.RegistrationApproved, ExpiresAt: &expires},
			"by a word": {Company: "Initech Holdings Asia", Status: leadrouter.RegistrationPending},
			"elsewhere": {Company: "Unrelated Widgets", Domain: "widgets.example", Status: leadrouter.RegistrationPending},
		}
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
			partner = p
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
			con = leadrouter.Contact{AccountID: acc.ID, FirstName: "Anna", LastName: "A", Email: "anna@initech.example"}
			if err := tx.InsertContact(ctx, &con); err != nil {
				return err
			}
			for _, r := range regs {
				r.PartnerID, r.CreatedBy, r.Flag = partner.ID, "usr_x", leadrouter.FlagGreen
				if err := tx.InsertRegistration(ctx, r); err != nil {
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
		if c := byID[con.ID]; c.Kind != "contact" || c.Email != con.Email || c.Company != "Initech" || c.Owner != "" {
			t.Errorf("contact: got %+v", c)
		}
		if c, want := byID[regs["by domain"].ID], (leadrouter.MatchCandidate{Kind: "registration", ID: regs["by domain"].ID, Company: "Initech Deutschland",
			Domains: []string{"initech.example"}, Status: "approved", PartnerID: partner.ID, Owner: "partner:" + partner.ID,
			Expires: "2027-03-01T12:00:00Z"}); !reflect.DeepEqual(c, want) {
			t.Errorf("registration by domain: got %+v, want %+v", c, want)
		}
		if c := byID[regs["by a word"].ID]; c.Kind != "registration" || c.Status != "pending" || c.Expires != "" || len(c.Domains) != 0 {
			t.Errorf("registration by a word: got %+v", c)
		}
		if c, ok := byID[regs["elsewhere"].ID]; ok {
			t.Errorf("an unrelated registration is a candidate: %+v", c)
		}
		if len(got) != 8 {
			t.Errorf("%d candidates, want the account, four leads, the contact and two registrations: %+v", len(got), got)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].Kind > got[i].Kind {
				t.Errorf("candidates not grouped by kind: %s before %s", got[i-1].Kind, got[i].Kind)
			}
		}
		// Each search alone (the statement has only its parts).
		for name, q := range map[string]leadrouter.MatchQuery{
			"e-mail":      {Email: "anna@initech.example"},
			"domain":      {Domain: "initech.example"},
			"company key": {CompanyKey: match.NormaliseCompany("Initech")},
			"words":       {Tokens: match.CompanyTokens("Initech Holdings"), Limit: 16},
		} {
			var some []leadrouter.MatchCandidate
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				some, err = tx.MatchCandidates(ctx, q)
				return err
			}); err != nil {
				t.Fatalf("by %s alone: %v", name, err)
			}
			for _, c := range some {
				if _, ok := byID[c.ID]; !ok {
					t.Errorf("by %s alone: %+v, not found by all of them", name, c)
				}
			}
			if len(some) == 0 {
				t.Errorf("by %s alone: nothing", name)
			}
		}
	})
}

// TestPartnerNames: the names of several partners in one statement, ""
// for an id that is no partner's, and nothing for "".
func TestPartnerNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var a, b leadrouter.Partner
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			if a, err = adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Alpha AG", Countries: []string{"DE"}, Tier: "gold"}); err != nil {
				return err
			}
			b, err = adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Beta BV", Countries: []string{"NL"}, Tier: "silver"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			got, err = tx.PartnerNames(ctx, []string{a.ID, "ptr_unknown", b.ID, a.ID, ""})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{a.ID: "Alpha AG", b.ID: "Beta BV", "ptr_unknown": ""}
		if !maps.Equal(got, want) {
			t.Errorf("PartnerNames = %v, want %v", got, want)
		}
	})
}

// TestUserNames: the names of several users in one statement, as the
// actor may see them: staff every user, a partner user only its own
// partner's (another's stays "", as an unknown id does); and with the
// names of partners in the same statement (Names).
func TestUserNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var p, other leadrouter.Partner
		var sam, pia, oli leadrouter.User
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			if p, err = adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Alpha AG", Countries: []string{"DE"}, Tier: "gold"}); err != nil {
				return err
			}
			if other, err = adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Beta BV", Countries: []string{"NL"}, Tier: "silver"}); err != nil {
				return err
			}
			for _, u := range []struct {
				to  *leadrouter.User
				new leadrouter.NewUser
			}{
				{&sam, leadrouter.NewUser{Email: "sam@vendor.example", Name: "Sam Sales", Role: leadrouter.RoleSales}},
				{&pia, leadrouter.NewUser{Email: "pia@alpha.example", Name: "Pia Partner", Role: leadrouter.RolePartner, PartnerID: p.ID}},
				{&oli, leadrouter.NewUser{Email: "oli@beta.example", Name: "Oli Other", Role: leadrouter.RolePartner, PartnerID: other.ID}},
			} {
				if *u.to, _, err = tx.InsertUser(ctx, u.new); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		ids := []string{sam.ID, pia.ID, oli.ID, "usr_unknown", pia.ID}
		for _, c := range []struct {
			name  string
			actor leadrouter.Actor
			want  map[string]string
		}{
			{"staff", leadrouter.Actor{UserID: "usr_support", Role: leadrouter.RoleSupport},
				map[string]string{sam.ID: "Sam Sales", pia.ID: "Pia Partner", oli.ID: "Oli Other", "usr_unknown": ""}},
			{"a partner user", leadrouter.Actor{UserID: pia.ID, Role: leadrouter.RolePartner, PartnerID: p.ID},
				map[string]string{sam.ID: "", pia.ID: "Pia Partner", oli.ID: "", "usr_unknown": ""}},
		} {
			var got map[string]string
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				got, err = tx.UserNames(ctx, c.actor, ids)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("%s: UserNames = %v, want %v", c.name, got, c.want)
			}
			// Partners' and users' names together, in one statement.
			var partners, users map[string]string
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				partners, users, err = tx.Names(ctx, c.actor, []string{p.ID, "ptr_unknown", other.ID, ""}, ids)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := (map[string]string{p.ID: "Alpha AG", other.ID: "Beta BV", "ptr_unknown": ""}); !maps.Equal(partners, want) || !maps.Equal(users, c.want) {
				t.Errorf("%s: Names = %v and %v, want %v and %v", c.name, partners, users, want, c.want)
			}
		}
	})
}
