package registration_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

type fixture struct {
	t         *testing.T
	db        *store.DB
	svc       *registration.Service
	partners  []leadrouter.Partner
	users     []leadrouter.Actor // users[i] belongs to partners[i]
	relations leadrouter.Actor
	admin     leadrouter.Actor
}

// mustFixture opens a database with n partners, one user each, a
// relations user and an admin.
func mustFixture(t *testing.T, engine store.Engine, n int) *fixture {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	return mustFixtureOn(t, db, n)
}

func mustFixtureOn(t *testing.T, db *store.DB, n int) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, svc: &registration.Service{DB: db}}
	ctx := context.Background()
	err := db.Update(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: fmt.Sprintf("Reseller Number %d", i), Countries: []string{"US"}})
			if err != nil {
				return err
			}
			u, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: fmt.Sprintf("user%d@reseller%d.example", i, i), Name: "U", Role: leadrouter.RolePartner, PartnerID: p.ID})
			if err != nil {
				return err
			}
			f.partners, f.users = append(f.partners, p), append(f.users, u.Actor())
		}
		rel, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "rel@vendor.example", Name: "R", Role: leadrouter.RoleRelations})
		if err != nil {
			return err
		}
		adm, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "adm@vendor.example", Name: "A", Role: leadrouter.RoleAdmin})
		if err != nil {
			return err
		}
		f.relations, f.admin = rel.Actor(), adm.Actor()
		return nil
	})
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

func (f *fixture) update(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Update(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatalf("update: %v", err)
	}
}

func (f *fixture) account(in leadrouter.NewAccount) leadrouter.Account {
	f.t.Helper()
	var a leadrouter.Account
	f.update(func(ctx context.Context, tx *store.Tx) error {
		var err error
		a, err = adminuc.CreateAccount(ctx, tx, leadrouter.System, in)
		return err
	})
	return a
}

func (f *fixture) lead(l leadrouter.Lead) leadrouter.Lead {
	f.t.Helper()
	if l.Status == "" {
		l.Status = leadrouter.StatusNew
	}
	if l.Source == "" {
		l.Source = leadrouter.SourceAPI
	}
	f.update(func(ctx context.Context, tx *store.Tx) error { return tx.InsertLead(ctx, &l) })
	return l
}

// opportunity stores a converted lead at account with its contact and an
// opportunity in status for partnerID.
func (f *fixture) opportunity(accountID, email string, status leadrouter.OpportunityStatus, partnerID string) leadrouter.Opportunity {
	f.t.Helper()
	var o leadrouter.Opportunity
	f.update(func(ctx context.Context, tx *store.Tx) error {
		l := leadrouter.Lead{Status: leadrouter.StatusConverted, Email: email, Company: "x", Source: leadrouter.SourceAPI,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}, AccountID: accountID}
		if err := tx.InsertLead(ctx, &l); err != nil {
			return err
		}
		c := leadrouter.Contact{AccountID: accountID, LeadID: l.ID, FirstName: "Carla", LastName: "Contact", Email: email}
		if err := tx.InsertContact(ctx, &c); err != nil {
			return err
		}
		o = leadrouter.Opportunity{LeadID: l.ID, AccountID: accountID, ContactID: c.ID, Name: "Deal", Status: status, PartnerID: partnerID}
		return tx.InsertOpportunity(ctx, &o)
	})
	return o
}

func (f *fixture) register(i int, company, domain string) leadrouter.Registration {
	f.t.Helper()
	reg, err := f.svc.Register(context.Background(), f.users[i], registration.Input{Company: company, Domain: domain, Country: "US"})
	if err != nil {
		f.t.Fatalf("register %s for partner %d: %v", company, i, err)
	}
	return reg
}

func (f *fixture) accountOwner(id string) string {
	f.t.Helper()
	var owner string
	f.update(func(ctx context.Context, tx *store.Tx) error {
		a, err := tx.Account(ctx, leadrouter.System, id)
		owner = a.OwnerPartnerID
		return err
	})
	return owner
}

func (f *fixture) timeline(subject string) []leadrouter.Event {
	f.t.Helper()
	var events []leadrouter.Event
	f.update(func(ctx context.Context, tx *store.Tx) error {
		var err error
		events, err = tx.Timeline(ctx, subject)
		return err
	})
	return events
}

func hasEvent(events []leadrouter.Event, typ, fragment string) bool {
	for _, e := range events {
		if e.Type == typ && strings.Contains(string(e.Data), fragment) {
			return true
		}
	}
	return false
}

func reasonKinds(reg leadrouter.Registration) []string {
	var kinds []string
	for _, r := range reg.Reasons {
		kinds = append(kinds, r.Kind)
	}
	return kinds
}

func wantFlag(t *testing.T, reg leadrouter.Registration, flag leadrouter.RegistrationFlag, status leadrouter.RegistrationStatus, kinds ...string) {
	t.Helper()
	if reg.Flag != flag || reg.Status != status {
		t.Fatalf("flag/status = %s/%s, want %s/%s (reasons %v, conflicts %+v)", reg.Flag, reg.Status, flag, status, reasonKinds(reg), reg.Conflicts)
	}
	got := strings.Join(reasonKinds(reg), ",")
	for _, k := range kinds {
		if !strings.Contains(got, k) {
			t.Fatalf("reasons %s lack %s", got, k)
		}
	}
}

func TestRegisterGreenThenRedForAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		reg := f.register(0, "Globex Corporation", "www.globex.com")
		wantFlag(t, reg, leadrouter.FlagGreen, leadrouter.RegistrationApproved, registration.ReasonClear)
		if reg.Domain != "globex.com" || reg.ExpiresAt == nil || reg.AccountID == "" {
			t.Fatalf("green registration = %+v", reg)
		}
		if d := reg.ExpiresAt.Sub(reg.CreatedAt); d != 90*24*time.Hour {
			t.Errorf("expires after %v, want 90 days", d)
		}
		if owner := f.accountOwner(reg.AccountID); owner != f.partners[0].ID {
			t.Errorf("created account owner = %q, want partner 0", owner)
		}
		if reg.AccountAction() != leadrouter.EffectCreated {
			t.Errorf("account action = %q", reg.AccountAction())
		}
		if !hasEvent(f.timeline(reg.ID), leadrouter.EventRegistration, `"decision":"registered"`) {
			t.Error("no decision on the registration's timeline")
		}
		if !hasEvent(f.timeline(reg.AccountID), leadrouter.EventRegistration, reg.ID) {
			t.Error("no decision on the account's timeline")
		}

		other := f.register(1, "Globex Inc.", "globex.com")
		wantFlag(t, other, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonRegistrationApproved, registration.ReasonAccountOwned)
		if other.ExpiresAt != nil || other.AccountID != "" {
			t.Errorf("red registration has expiry or account: %+v", other)
		}
		for _, r := range other.Reasons {
			if strings.Contains(r.Message, f.partners[0].Name) {
				t.Errorf("reason names the other partner: %q", r.Message)
			}
		}

		wantMessages(t, reg)
		wantMessages(t, other)

		// The same partner registering again is told it holds it already.
		_, err := f.svc.Register(context.Background(), f.users[0], registration.Input{Company: "Globex", Domain: "globex.com", Country: "US"})
		if leadrouter.ErrorCode(err) != leadrouter.ECONFLICT || !strings.Contains(leadrouter.ErrorMessage(err), "approved registration") {
			t.Errorf("duplicate registration: err = %v, want conflict", err)
		}
	})
}

func TestRegisterAccountOwnership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		own := f.account(leadrouter.NewAccount{Name: "Initech LLC", Domains: []string{"initech.com"}, Country: "US", OwnerPartnerID: f.partners[0].ID})

		reg := f.register(0, "Initech", "initech.com")
		wantFlag(t, reg, leadrouter.FlagGreen, leadrouter.RegistrationApproved, registration.ReasonOwnRecords)
		if reg.AccountID != own.ID || reg.AccountAction() != leadrouter.EffectOwn {
			t.Errorf("account %s action %s, want the partner's own %s", reg.AccountID, reg.AccountAction(), own.ID)
		}

		red := f.register(1, "Initech", "initech.com")
		wantFlag(t, red, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonAccountOwned)

		// An unowned account is claimed.
		free := f.account(leadrouter.NewAccount{Name: "Vandelay Industries", Domains: []string{"vandelay.com"}, Country: "US"})
		claimed := f.register(1, "Vandelay Industries", "vandelay.com")
		wantFlag(t, claimed, leadrouter.FlagGreen, leadrouter.RegistrationApproved)
		if claimed.AccountID != free.ID || f.accountOwner(free.ID) != f.partners[1].ID || claimed.AccountAction() != leadrouter.EffectClaimed {
			t.Errorf("claim: account %s action %s owner %s", claimed.AccountID, claimed.AccountAction(), f.accountOwner(free.ID))
		}
	})
}

func TestRegisterHierarchy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		root := f.account(leadrouter.NewAccount{Name: "Umbrella Corporation", Domains: []string{"umbrella.com"}, Country: "US"})
		f.account(leadrouter.NewAccount{Name: "Umbrella Pharma", Domains: []string{"umbrella-pharma.com"}, Country: "US", ParentID: root.ID, OwnerPartnerID: f.partners[1].ID})
		reg := f.register(0, "Umbrella", "umbrella.com")
		wantFlag(t, reg, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonAccountOwned)
		// A subdomain finds the account too.
		sub := f.register(0, "Umbrella Corp EMEA", "emea.umbrella.com")
		wantFlag(t, sub, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonAccountOwned)
	})
}

// TestRegisterAccountThroughLead: an account none of the registration's
// searches finds, but whose lead they do, is in the evidence through that
// lead: owned by another partner, the registration is red.
func TestRegisterAccountThroughLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		acc := f.account(leadrouter.NewAccount{Name: "Planet Express Delivery", Domains: []string{"planetexpress.example"}, Country: "US",
			OwnerPartnerID: f.partners[1].ID})
		f.lead(leadrouter.Lead{Email: "hermes@hypnotoad.example", Company: "Hypnotoad", Country: "US", AccountID: acc.ID,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}})
		reg := f.register(0, "Hypnotoad", "hypnotoad.example")
		wantFlag(t, reg, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonAccountOwned)
	})
}

func TestRegisterOpportunities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		acc := f.account(leadrouter.NewAccount{Name: "Soylent", Domains: []string{"soylent.com"}, Country: "US"})
		f.opportunity(acc.ID, "carla@soylent.com", leadrouter.OppHandedOff, f.partners[1].ID)
		wantFlag(t, f.register(0, "Soylent Corp", "soylent.com"), leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonOpportunity)

		// The vendor's own open opportunity is red too (SPEC W7: any open
		// opportunity), and the account stays nobody's.
		vendor := f.account(leadrouter.NewAccount{Name: "Tyrell", Domains: []string{"tyrell.com"}, Country: "US"})
		f.opportunity(vendor.ID, "rachael@tyrell.com", leadrouter.OppOpen, "")
		red := f.register(0, "Tyrell Corporation", "tyrell.com")
		wantFlag(t, red, leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonVendorOpportunity)
		if red.AccountID != "" || f.accountOwner(vendor.ID) != "" {
			t.Errorf("red registration took the vendor's account: %s, owner %q", red.AccountID, f.accountOwner(vendor.ID))
		}
		wantMessages(t, red)

		// An open deal at another account of the hierarchy counts too,
		// though none of its people is found by the registration.
		parent := f.account(leadrouter.NewAccount{Name: "Initrode", Domains: []string{"initrode.com"}, Country: "US"})
		division := f.account(leadrouter.NewAccount{Name: "Initrode Labs", Domains: []string{"initrode-labs.com"}, Country: "US", ParentID: parent.ID})
		f.opportunity(division.ID, "peter@initrode-labs.com", leadrouter.OppHandedOff, f.partners[1].ID)
		wantFlag(t, f.register(0, "Initrode", "initrode.com"), leadrouter.FlagRed, leadrouter.RegistrationRejected, registration.ReasonOpportunity)

		lost := f.account(leadrouter.NewAccount{Name: "Oceanic Airlines", Domains: []string{"oceanic.com"}, Country: "US"})
		f.opportunity(lost.ID, "jack@oceanic.com", leadrouter.OppLost, f.partners[1].ID)
		wantFlag(t, f.register(0, "Oceanic Airlines", "oceanic.com"), leadrouter.FlagGreen, leadrouter.RegistrationApproved)
	})
}

// wantMessages checks that reg's partner-facing messages fit its flag and
// status: red says do not solicit, pending that Partner Relations will
// review it, a decision says the decision.
func wantMessages(t *testing.T, reg leadrouter.Registration) {
	t.Helper()
	for _, r := range reg.Reasons {
		m := r.Message
		review := strings.Contains(m, "will review") || strings.Contains(m, "will check")
		dont := strings.Contains(strings.ToLower(m), "do not solicit")
		var bad bool
		switch reg.Status {
		case leadrouter.RegistrationPending:
			bad = !review
		case leadrouter.RegistrationApproved:
			bad = review || dont || (reg.Flag == leadrouter.FlagYellow && !strings.Contains(m, "approved your registration"))
		case leadrouter.RegistrationRejected:
			bad = review || !dont || (reg.Flag == leadrouter.FlagYellow && !strings.Contains(m, "rejected your registration"))
		case leadrouter.RegistrationExpired:
			bad = review || !strings.Contains(m, "expired")
		}
		if bad {
			t.Errorf("%s/%s registration's reason %s says %q", reg.Flag, reg.Status, r.Kind, m)
		}
	}
}

// TestApproveRefusedOnVendorOpportunity: a yellow registration cannot be
// approved once the vendor's team opened an opportunity there; the account
// stays unowned.
func TestApproveRefusedOnVendorOpportunity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 1)
		ctx := context.Background()
		acc := f.account(leadrouter.NewAccount{Name: "Cyberdyne Systems", Domains: []string{"cyberdyne.com"}, Country: "US"})
		f.lead(leadrouter.Lead{Email: "miles@cyberdyne.com", Company: "Cyberdyne Systems", Country: "US", AccountID: acc.ID,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}})
		reg := f.register(0, "Cyberdyne Systems", "cyberdyne.com")
		wantFlag(t, reg, leadrouter.FlagYellow, leadrouter.RegistrationPending, registration.ReasonOpenLead)
		wantMessages(t, reg)
		f.opportunity(acc.ID, "sarah@cyberdyne.com", leadrouter.OppOpen, "")
		_, err := f.svc.Approve(ctx, f.relations, reg.ID, "Looks fine.")
		if leadrouter.ErrorCode(err) != leadrouter.ECONFLICT || !strings.Contains(leadrouter.ErrorMessage(err), registration.ReasonVendorOpportunity) {
			t.Fatalf("approval with the vendor's opportunity open: err = %v", err)
		}
		if owner := f.accountOwner(acc.ID); owner != "" {
			t.Errorf("the account went to partner %q", owner)
		}
	})
}

// TestRegisterContactEmail: the contact e-mail and its registrable domain
// (not free mail) are matched against accounts, leads and registrations,
// and the check gives the flag registering gives.
func TestRegisterContactEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 3)
		ctx := context.Background()
		acme := f.account(leadrouter.NewAccount{Name: "Acme Corporation", Domains: []string{"acme.example"}, Country: "US", OwnerPartnerID: f.partners[1].ID})
		emea := f.account(leadrouter.NewAccount{Name: "Acme EMEA Ltd", Domains: []string{"acme-emea.example"}, Country: "GB", ParentID: acme.ID})
		f.lead(leadrouter.Lead{Email: "olivia@acme-emea.example", Company: "Acme EMEA Ltd", Country: "GB", AccountID: emea.ID,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}})

		same := func(in registration.Input, flag leadrouter.RegistrationFlag, kinds ...string) leadrouter.Registration {
			t.Helper()
			res, err := f.svc.Check(ctx, f.users[0], registration.CheckInput{Company: in.Company, Domain: in.Domain, ContactEmail: in.ContactEmail})
			if err != nil {
				t.Fatalf("check %+v: %v", in, err)
			}
			reg, err := f.svc.Register(ctx, f.users[0], in)
			if err != nil {
				t.Fatalf("register %+v: %v", in, err)
			}
			if res.Flag != reg.Flag || strings.Join(reasonKinds(leadrouter.Registration{Reasons: res.Reasons}), ",") != strings.Join(reasonKinds(reg), ",") {
				t.Errorf("check says %s %v, registering %s %v", res.Flag, res.Reasons, reg.Flag, reg.Reasons)
			}
			wantFlag(t, reg, flag, map[leadrouter.RegistrationFlag]leadrouter.RegistrationStatus{leadrouter.FlagGreen: leadrouter.RegistrationApproved, leadrouter.FlagYellow: leadrouter.RegistrationPending,
				leadrouter.FlagRed: leadrouter.RegistrationRejected}[flag], kinds...)
			wantMessages(t, reg)
			return reg
		}
		// The exact e-mail of a lead at an account in another partner's group.
		same(registration.Input{Company: "Foo Co", Domain: "foo-co.example", Country: "US", ContactEmail: "olivia@acme-emea.example"},
			leadrouter.FlagRed, registration.ReasonAccountOwned, registration.ReasonOpenLead)
		// Only the e-mail's domain: another partner's account.
		same(registration.Input{Company: "Bar Co", Domain: "bar-co.example", Country: "US", ContactEmail: "someone@acme.example"},
			leadrouter.FlagRed, registration.ReasonAccountOwned)
		// A subdomain of the e-mail finds it too.
		same(registration.Input{Company: "Baz Co", Domain: "baz-co.example", Country: "US", ContactEmail: "someone@sales.acme.example"},
			leadrouter.FlagRed, registration.ReasonAccountOwned)
		// Another partner's approved registration of the e-mail's domain.
		f.register(2, "Qux Industries", "qux.example")
		same(registration.Input{Company: "Quux Co", Domain: "quux.example", Country: "US", ContactEmail: "ceo@qux.example"},
			leadrouter.FlagRed, registration.ReasonRegistrationApproved)
		// Free mail matches nothing by its domain.
		f.lead(leadrouter.Lead{Email: "somebody@gmail.com", Company: "Unrelated", Country: "US", Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}})
		same(registration.Input{Company: "Corge Co", Domain: "corge.example", Country: "US", ContactEmail: "corge.ceo@gmail.com"},
			leadrouter.FlagGreen, registration.ReasonClear)
		// The check may look up a contact e-mail alone.
		res, err := f.svc.Check(ctx, f.users[0], registration.CheckInput{ContactEmail: "x@acme.example"})
		if err != nil || res.Flag != leadrouter.FlagRed {
			t.Errorf("check by e-mail alone = %+v %v", res, err)
		}
		if owner := f.accountOwner(acme.ID); owner != f.partners[1].ID {
			t.Errorf("acme's owner = %q", owner)
		}
	})
}

// TestRegisterOwnCompany: a partner cannot register its own company, by its
// domain, a subdomain of it, or its contact e-mail's domain; nor check it.
func TestRegisterOwnCompany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 1)
		ctx := context.Background()
		var user leadrouter.Actor
		f.update(func(ctx context.Context, tx *store.Tx) error {
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Brussels IT BV", Countries: []string{"BE"}, Domains: []string{"brussels-it.example"}})
			if err != nil {
				return err
			}
			u, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "eva@brussels-it.example", Name: "Eva", Role: leadrouter.RolePartner, PartnerID: p.ID})
			user = u.Actor()
			return err
		})
		fieldsOf := func(err error) string {
			var fields []string
			for _, fe := range leadrouter.ErrorFields(err) {
				fields = append(fields, fe.Field)
			}
			return strings.Join(fields, ",")
		}
		for _, tt := range []struct {
			in     registration.Input
			fields string
		}{
			{registration.Input{Company: "Brussels IT", Domain: "brussels-it.example", Country: "BE"}, "domain"},
			{registration.Input{Company: "Brussels IT Sales", Domain: "https://sales.brussels-it.example/", Country: "BE"}, "domain"},
			{registration.Input{Company: "Someone Else", Domain: "someone-else.example", Country: "BE", ContactEmail: "eva@brussels-it.example"}, "domain,contact_email"},
		} {
			_, err := f.svc.Register(ctx, user, tt.in)
			if leadrouter.ErrorCode(err) != leadrouter.EINVALID || fieldsOf(err) != tt.fields {
				t.Errorf("registering %+v: err = %v (fields %s), want invalid %s", tt.in, err, fieldsOf(err), tt.fields)
			}
			_, err = f.svc.Check(ctx, user, registration.CheckInput{Company: tt.in.Company, Domain: tt.in.Domain, ContactEmail: tt.in.ContactEmail})
			if leadrouter.ErrorCode(err) != leadrouter.EINVALID || fieldsOf(err) != tt.fields {
				t.Errorf("checking %+v: err = %v, want invalid %s", tt.in, err, tt.fields)
			}
		}
		page, _ := f.svc.List(ctx, f.relations, store.RegistrationFilter{})
		if len(page.Items) != 0 {
			t.Errorf("own-company registrations stored: %d", len(page.Items))
		}
		// Another partner may register Brussels IT as its prospect.
		wantFlag(t, f.register(0, "Brussels IT BV", "brussels-it.example"), leadrouter.FlagGreen, leadrouter.RegistrationApproved)
	})
}

func TestRegisterYellowApprovedByRelations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		ctx := context.Background()
		lead := f.lead(leadrouter.Lead{Email: "gavin@hooli.com", FirstName: "Gavin", Company: "Hooli", Country: "US",
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}})
		reg := f.register(0, "Hooli", "hooli.com")
		wantFlag(t, reg, leadrouter.FlagYellow, leadrouter.RegistrationPending, registration.ReasonOpenLead)
		wantMessages(t, reg)
		if reg.ExpiresAt != nil || reg.AccountID != "" {
			t.Fatalf("pending registration has expiry or account: %+v", reg)
		}
		// Registering it again while it is pending says so (an extension
		// is for approved registrations only).
		_, err := f.svc.Register(ctx, f.users[0], registration.Input{Company: "Hooli", Domain: "hooli.com", Country: "US"})
		if msg := leadrouter.ErrorMessage(err); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT || !strings.Contains(msg, "already pending") || strings.Contains(msg, "extension") {
			t.Fatalf("registering a pending prospect again: err = %v", err)
		}
		if !hasEvent(f.timeline(lead.ID), leadrouter.EventRegistration, reg.ID) {
			t.Error("no decision on the matched lead's timeline")
		}

		// Another partner meanwhile: yellow for the pending registration too.
		second := f.register(1, "Hooli", "hooli.com")
		wantFlag(t, second, leadrouter.FlagYellow, leadrouter.RegistrationPending, registration.ReasonRegistrationPending)

		if _, err := f.svc.Approve(ctx, f.users[0], reg.ID, "mine"); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
			t.Fatalf("partner approving its own: err = %v", err)
		}
		if _, err := f.svc.Approve(ctx, f.relations, reg.ID, " "); leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Fatalf("approval without reason: err = %v", err)
		}
		approved, err := f.svc.Approve(ctx, f.relations, reg.ID, "The lead came from this partner's event.")
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != leadrouter.RegistrationApproved || approved.Flag != leadrouter.FlagYellow || approved.ExpiresAt == nil || approved.AccountID == "" {
			t.Fatalf("approved = %+v", approved)
		}
		if d := approved.ExpiresAt.Sub(*approved.DecidedAt); d != 90*24*time.Hour {
			t.Errorf("approved expiry after %v", d)
		}
		if f.accountOwner(approved.AccountID) != f.partners[0].ID {
			t.Error("approval did not give the account to the partner")
		}
		wantFlag(t, approved, leadrouter.FlagYellow, leadrouter.RegistrationApproved, registration.ReasonOpenLead)
		wantMessages(t, approved)
		if got, _ := f.svc.Get(ctx, f.users[0], reg.ID); !slices.Equal(got.Reasons, approved.Reasons) {
			t.Errorf("stored reasons %v, answered %v", got.Reasons, approved.Reasons)
		}
		// Now the second one cannot be approved: another partner holds it.
		if _, err := f.svc.Approve(ctx, f.relations, second.ID, "ok"); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("approving the second: err = %v", err)
		}
		rejected, err := f.svc.Reject(ctx, f.admin, second.ID, "Another partner holds it.")
		if err != nil || rejected.Status != leadrouter.RegistrationRejected {
			t.Fatalf("reject: %+v %v", rejected, err)
		}
		wantFlag(t, rejected, leadrouter.FlagYellow, leadrouter.RegistrationRejected, registration.ReasonRegistrationPending)
		wantMessages(t, rejected)
		if _, err := f.svc.Reject(ctx, f.relations, second.ID, "again"); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("rejecting twice: err = %v", err)
		}
	})
}

func TestRegisterNearMatchIsYellow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		f.account(leadrouter.NewAccount{Name: "Massive Dynamic", Country: "US"})
		reg := f.register(0, "Massive Dynamics", "massivedynamics.io")
		wantFlag(t, reg, leadrouter.FlagYellow, leadrouter.RegistrationPending, registration.ReasonNearMatch)
		// The near match is named to staff with its score below certainty.
		var near *leadrouter.RegistrationConflict
		for i, c := range reg.Conflicts {
			if c.Reason == registration.ReasonNearMatch {
				near = &reg.Conflicts[i]
			}
		}
		if near == nil || near.Certain || near.Score >= 0.95 || near.Name != "Massive Dynamic" {
			t.Fatalf("near-match conflict = %+v", near)
		}
	})
}

func TestRegisterOwnLeadIsGreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		f.lead(leadrouter.Lead{Email: "monica@piedpiper.com", Company: "Pied Piper", Country: "US",
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.partners[0].ID, PartnerID: f.partners[0].ID}})
		wantFlag(t, f.register(0, "Pied Piper Inc", "piedpiper.com"), leadrouter.FlagGreen, leadrouter.RegistrationApproved, registration.ReasonOwnRecords)
	})
}

func TestRegisterValidation(t *testing.T) {
	f := mustFixture(t, store.SQLite, 1)
	_, err := f.svc.Register(context.Background(), f.users[0], registration.Input{Company: "Inc.", Domain: "gmail.com", Country: "Atlantis", ContactEmail: "nope"})
	fields := map[string]bool{}
	for _, fe := range leadrouter.ErrorFields(err) {
		fields[fe.Field] = true
	}
	for _, want := range []string{"company", "domain", "country", "contact_email"} {
		if !fields[want] {
			t.Errorf("no error for %s: %v", want, err)
		}
	}
	if _, err := f.svc.Register(context.Background(), f.relations, registration.Input{Company: "X", Domain: "x.com", Country: "US"}); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
		t.Errorf("staff registering: err = %v", err)
	}
}

func TestExpiryAndExtension(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		ctx := context.Background()
		start := time.Now().UTC().Truncate(time.Microsecond)
		f.db.Now = func() time.Time { return start }

		reg := f.register(0, "Stark Industries", "stark.com")
		wantFlag(t, reg, leadrouter.FlagGreen, leadrouter.RegistrationApproved)

		// One extension, decided by relations.
		if _, err := f.svc.RequestExtension(ctx, f.users[1], reg.ID, "please"); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("another partner extending: err = %v", err)
		}
		asked, err := f.svc.RequestExtension(ctx, f.users[0], reg.ID, "The deal needs another quarter.")
		if err != nil || !asked.ExtensionRequested {
			t.Fatalf("extension request: %+v %v", asked, err)
		}
		if _, err := f.svc.RequestExtension(ctx, f.users[0], reg.ID, "again"); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("second request: err = %v", err)
		}
		queue, err := f.svc.List(ctx, f.relations, store.RegistrationFilter{ExtensionRequested: true})
		if err != nil || len(queue.Items) != 1 {
			t.Fatalf("extension queue = %+v %v", queue, err)
		}
		extended, err := f.svc.Approve(ctx, f.relations, reg.ID, "Fine.")
		if err != nil {
			t.Fatal(err)
		}
		if !extended.Extended || extended.ExtensionRequested || !extended.ExpiresAt.Equal(reg.ExpiresAt.AddDate(0, 0, 90)) {
			t.Fatalf("extended = %+v", extended)
		}
		if _, err := f.svc.RequestExtension(ctx, f.users[0], reg.ID, "once more"); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("request after the extension: err = %v", err)
		}

		// Past the expiry the registration is absent for others even before
		// the job runs; the lapsed ownership is claimed by the next one.
		f.db.Now = func() time.Time { return extended.ExpiresAt.Add(time.Second) }
		if got, _ := f.svc.Get(ctx, f.users[0], reg.ID); got.EffectiveStatus(f.db.Now()) != leadrouter.RegistrationExpired {
			t.Fatalf("effective status = %s", got.EffectiveStatus(f.db.Now()))
		}
		next := f.register(1, "Stark Industries", "stark.com")
		wantFlag(t, next, leadrouter.FlagGreen, leadrouter.RegistrationApproved)
		if next.AccountID != reg.AccountID || f.accountOwner(reg.AccountID) != f.partners[1].ID {
			t.Fatalf("the lapsed account was not claimed: %s owner %s", next.AccountID, f.accountOwner(reg.AccountID))
		}
		n, err := f.svc.ExpireDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		got, _ := f.svc.Get(ctx, f.relations, reg.ID)
		if got.Status != leadrouter.RegistrationExpired {
			t.Errorf("status after the job = %s", got.Status)
		}
		wantMessages(t, got)
		if f.accountOwner(reg.AccountID) != f.partners[1].ID {
			t.Error("the job released an account another partner holds now")
		}
		if n, _ := f.svc.ExpireDue(ctx); n != 0 {
			t.Errorf("second run expired %d", n)
		}
	})
}

func TestExpiryReleasesClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		ctx := context.Background()
		start := time.Now().UTC().Truncate(time.Microsecond)
		f.db.Now = func() time.Time { return start }
		own := f.account(leadrouter.NewAccount{Name: "Wonka Industries", Domains: []string{"wonka.com"}, OwnerPartnerID: f.partners[0].ID})
		kept := f.register(0, "Wonka", "wonka.com")
		reg := f.register(0, "Wayne Enterprises", "wayne.com")
		f.db.Now = func() time.Time { return start.AddDate(0, 0, 91) }
		n, err := f.svc.ExpireDue(ctx)
		if err != nil || n != 2 {
			t.Fatalf("expired %d, %v", n, err)
		}
		if owner := f.accountOwner(reg.AccountID); owner != "" {
			t.Errorf("created account still owned by %q after expiry", owner)
		}
		if owner := f.accountOwner(own.ID); owner != f.partners[0].ID || kept.AccountID != own.ID {
			t.Errorf("the partner's own account was released (owner %q)", owner)
		}
		if !hasEvent(f.timeline(reg.AccountID), leadrouter.EventRegistration, `"account_released":true`) {
			t.Error("no release on the account's timeline")
		}
		// Another partner gets green now.
		wantFlag(t, f.register(1, "Wayne Enterprises", "wayne.com"), leadrouter.FlagGreen, leadrouter.RegistrationApproved)
	})
}

func TestCheckCreatesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		f := mustFixture(t, engine, 2)
		ctx := context.Background()
		res, err := f.svc.Check(ctx, f.users[0], registration.CheckInput{Domain: "acme.com", Company: "Acme"})
		if err != nil || res.Flag != leadrouter.FlagGreen || res.ExpiresAt == nil {
			t.Fatalf("check = %+v %v", res, err)
		}
		reg := f.register(0, "Acme", "acme.com")
		wantFlag(t, reg, leadrouter.FlagGreen, leadrouter.RegistrationApproved)
		if res, _ := f.svc.Check(ctx, f.users[1], registration.CheckInput{Domain: "acme.com"}); res.Flag != leadrouter.FlagRed {
			t.Errorf("check for another partner = %s", res.Flag)
		}
		res, err = f.svc.Check(ctx, f.relations, registration.CheckInput{Company: "ACME, Inc."})
		if err != nil || res.Flag != leadrouter.FlagRed || len(res.Conflicts) == 0 || res.Conflicts[0].PartnerName != f.partners[0].Name {
			t.Errorf("staff check = %+v %v", res, err)
		}
		page, _ := f.svc.List(ctx, f.relations, store.RegistrationFilter{})
		if len(page.Items) != 1 {
			t.Errorf("check created registrations: %d", len(page.Items))
		}
	})
}

// TestConcurrentRegistrations registers one new prospect for ten partners
// at once, through two database handles (two server processes): exactly
// one gets green.
func TestConcurrentRegistrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		url := storetest.MustURL(t, engine)
		first := storetest.MustOpenURL(t, url)
		second := storetest.MustOpenURL(t, url)
		f := mustFixtureOn(t, first, 10)
		services := []*registration.Service{{DB: first}, {DB: second}}
		for round, prospect := range []struct{ company, domain string }{{"Cyberdyne Systems", "cyberdyne.com"}, {"Nakatomi Trading", "nakatomi.co.jp"}} {
			var wg sync.WaitGroup
			flags := make([]leadrouter.RegistrationFlag, 10)
			errs := make([]error, 10)
			start := make(chan struct{})
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					reg, err := services[i%2].Register(context.Background(), f.users[i], registration.Input{Company: prospect.company, Domain: prospect.domain, Country: "US"})
					flags[i], errs[i] = reg.Flag, err
				}()
			}
			close(start)
			wg.Wait()
			greens := 0
			for i := range 10 {
				if errs[i] != nil {
					t.Fatalf("round %d partner %d: %v", round, i, errs[i])
				}
				if flags[i] == leadrouter.FlagGreen {
					greens++
				}
			}
			if greens != 1 {
				t.Fatalf("round %d: %d green flags (%v), want exactly 1", round, greens, flags)
			}
		}
	})
}

// TestPendingCompetitorIsToldInThePast: a reason kept with a decided
// registration reads true after the competing registration it names was
// decided too (it said "is waiting for review" even once approved).
func TestPendingCompetitorIsToldInThePast(t *testing.T) {
	for _, status := range []leadrouter.RegistrationStatus{leadrouter.RegistrationRejected, leadrouter.RegistrationApproved, leadrouter.RegistrationPending} {
		for _, r := range registration.Reasons([]string{registration.ReasonRegistrationPending}, leadrouter.FlagYellow, status) {
			if strings.Contains(r.Message, "is waiting for review") || !strings.Contains(r.Message, "When you registered") {
				t.Errorf("%s: %q", status, r.Message)
			}
		}
	}
}
