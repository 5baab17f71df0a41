package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestSearchByPersonTokens: the support desk's search finds leads and
// contacts by first name, last name, "first last" and phone through the
// token index: those stored before migration 0019 (which wrote their
// tokens, names folded as Go folds them), a contact at once, a new lead
// by e-mail at once and by name and phone once the indexer has read it.
// A common word gives the newest records, as many as asked for.
func TestSearchByPersonTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpenAt(t, engine, 18)
		support := leadrouter.Actor{UserID: "usr_support", Role: leadrouter.RoleSupport}
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		lead := func(tx *store.Tx, first, last, email, phone, company string) string {
			t.Helper()
			l := leadrouter.Lead{ID: leadrouter.NewID("lead"), Status: leadrouter.StatusNurturing, FirstName: first, LastName: last, Email: email,
				Phone: phone, PhoneE164: phone, Company: company, Country: "DE", Source: leadrouter.SourceCall, Owner: queue}
			if err := tx.InsertLead(ctx, &l); err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		// Leads as release 18 stored them: the columns of its schema.
		oldLead := func(tx *store.Tx, first, last, email, phone, company string) string {
			t.Helper()
			id := leadrouter.NewID("lead")
			if _, err := tx.Exec(ctx, `INSERT INTO leads (id, status, first_name, last_name, email, email_domain, phone, phone_e164, company,
				company_key, country, source, owner_kind, owner_id, created_at, updated_at)
				VALUES (?, 'nurturing', ?, ?, ?, ?, ?, ?, ?, ?, 'DE', 'call', 'queue', 'inside-sales', ?, ?)`,
				id, first, last, email, email[strings.IndexByte(email, '@')+1:], phone, phone, company, match.NormaliseCompany(company), tx.Now(), tx.Now()); err != nil {
				t.Fatal(err)
			}
			return id
		}
		var old, oldContact, umlaut string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			old = oldLead(tx, "Henrike", "Quandt", "henrike@quandt.example", "+49301234567", "Quandt Maschinen GmbH")
			umlaut = oldLead(tx, "Ömer", "ÖZIL", "oemer@oezil.example", "", "Özil Handel")
			acc, err := adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Quandt Maschinen"})
			if err != nil {
				return err
			}
			oldContact = leadrouter.NewID("con")
			_, err = tx.Exec(ctx, `INSERT INTO contacts (id, account_id, first_name, last_name, email, phone, created_at) VALUES (?, ?, 'Henrike', 'Quandt', 'h.quandt@quandt.example', '+49301234567', ?)`,
				oldContact, acc.ID, tx.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		search := func(q string, limit int) (leads, contacts []string) {
			t.Helper()
			terms := store.SearchTerms{Text: q}
			if q[0] == '+' {
				terms.Phone = q
			}
			hits := mustSearch(t, db, support, terms, limit)
			return hits.leads, hits.contacts
		}
		for _, q := range []string{"henrike", "quandt", "henrike quandt", "+49301234567"} {
			if leads, contacts := search(q, 20); !slices.Equal(leads, []string{old}) || !slices.Equal(contacts, []string{oldContact}) {
				t.Errorf("%q before the migration: leads %v, contacts %v; want %s and %s", q, leads, contacts, old, oldContact)
			}
		}
		// Folded as Go folds them (SQLite's lower() folds ASCII only).
		for _, q := range []string{"özil", "ömer", "ömer özil"} {
			if leads, _ := search(q, 20); !slices.Equal(leads, []string{umlaut}) {
				t.Errorf("%q before the migration: leads %v, want %s", q, leads, umlaut)
			}
		}

		var fresh, contact string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			fresh = lead(tx, "Jörg", "Ängström", "joerg@angstrom.example", "+4989555000", "Ångström Optik")
			acc, err := adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Ångström Optik"})
			if err != nil {
				return err
			}
			c := leadrouter.Contact{AccountID: acc.ID, FirstName: "Jörg", LastName: "Ängström", Email: "j@angstrom.example", Phone: "+4989555000"}
			err = tx.InsertContact(ctx, &c)
			contact = c.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if leads, contacts := search("jörg ängström", 20); len(leads) != 0 || !slices.Equal(contacts, []string{contact}) {
			t.Errorf("before the indexer ran: leads %v (want none yet), contacts %v (want %s)", leads, contacts, contact)
		}
		if leads, _ := search("joerg@angstrom.example", 20); !slices.Equal(leads, []string{fresh}) {
			t.Errorf("by e-mail at once: %v, want %s", leads, fresh)
		}
		storetest.MustIndexAll(t, db)
		for _, q := range []string{"jörg", "ängström", "jörg ängström", "+4989555000"} {
			if leads, contacts := search(q, 20); !slices.Equal(leads, []string{fresh}) || !slices.Equal(contacts, []string{contact}) {
				t.Errorf("%q: leads %v, contacts %v; want %s and %s", q, leads, contacts, fresh, contact)
			}
		}

		var newest []string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := range 3 {
				newest = append([]string{lead(tx, "", "Person", "p"+string(rune('a'+i))+"@quandt.example", "", "Quandt Werke")}, newest...)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		storetest.MustIndexAll(t, db)
		if leads, _ := search("quandt", 2); !slices.Equal(leads, newest[:2]) {
			t.Errorf("a common word with limit 2: %v, want the newest %v", leads, newest[:2])
		}
	})
}

// TestSearchFindsRegistrations: the search finds a registration by its
// company, its contact's e-mail and its domain; a partner finds only its
// own, staff the newest as many as asked for.
func TestSearchFindsRegistrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		owner := mustPartner(t, db, leadrouter.NewPartner{Name: "Owner"})
		other := mustPartner(t, db, leadrouter.NewPartner{Name: "Other"})
		var regs []string // newest first
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i, p := range []leadrouter.Partner{owner, other, owner} {
				r := leadrouter.Registration{PartnerID: p.ID, CreatedBy: "usr_p", Company: "Lindwurm Brauerei AG", Domain: "lindwurm.example", Country: "DE",
					ContactEmail: "braumeister" + string(rune('a'+i)) + "@lindwurm.example", Flag: leadrouter.FlagGreen, Status: leadrouter.RegistrationPending}
				if err := tx.InsertRegistration(ctx, &r); err != nil {
					return err
				}
				regs = append([]string{r.ID}, regs...)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		search := func(actor leadrouter.Actor, terms store.SearchTerms, limit int) []string {
			t.Helper()
			return mustSearch(t, db, actor, terms, limit).registrations
		}
		support := leadrouter.Actor{UserID: "usr_support", Role: leadrouter.RoleSupport}
		partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: owner.ID}
		if got := search(support, store.SearchTerms{Text: "lindwurm brauerei ag"}, 2); !slices.Equal(got, regs[:2]) {
			t.Errorf("staff by company, limit 2: %v, want %v", got, regs[:2])
		}
		if got := search(support, store.SearchTerms{Text: "braumeisterb@lindwurm.example", Domain: "lindwurm.example"}, 20); !slices.Equal(got, regs) {
			t.Errorf("staff by e-mail and domain: %v, want all %v", got, regs)
		}
		if got := search(support, store.SearchTerms{Text: "braumeisterb@lindwurm.example"}, 20); !slices.Equal(got, regs[1:2]) {
			t.Errorf("staff by contact e-mail: %v, want %v", got, regs[1:2])
		}
		if got := search(partner, store.SearchTerms{Text: "lindwurm brauerei ag"}, 20); !slices.Equal(got, []string{regs[0], regs[2]}) {
			t.Errorf("the partner: %v, want its own %v", got, []string{regs[0], regs[2]})
		}
		if got := search(partner, store.SearchTerms{Text: "braumeisterb@lindwurm.example"}, 20); len(got) != 0 {
			t.Errorf("the partner found another partner's registration: %v", got)
		}
	})
}

// TestPartnerSearchesItsOwnLeads: a partner finds its own leads by
// company, newest first as many as asked for, never another partner's,
// and by a person's name only where it may see the contact.
func TestPartnerSearchesItsOwnLeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		mine := mustPartner(t, db, leadrouter.NewPartner{Name: "Mine"})
		theirs := mustPartner(t, db, leadrouter.NewPartner{Name: "Theirs"})
		var ids []string // in the order stored
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, l := range []struct {
				last    string
				p       leadrouter.Partner
				consent bool
			}{{"Adler", mine, true}, {"Berger", mine, false}, {"Claus", theirs, true}, {"Dorn", mine, true}} {
				lead := leadrouter.Lead{ID: leadrouter.NewID("lead"), Status: leadrouter.StatusNurturing, FirstName: "Eva", LastName: l.last,
					Email: strings.ToLower(l.last) + "@mail.example", Company: "Quandt Werke", Country: "DE", Source: leadrouter.SourceCall,
					Owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: l.p.ID, PartnerID: l.p.ID}, Consent: leadrouter.Consent{Share: l.consent}}
				if err := tx.InsertLead(ctx, &lead); err != nil {
					return err
				}
				ids = append(ids, lead.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		storetest.MustIndexAll(t, db)
		partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: mine.ID}
		search := func(q string, limit int) []string {
			t.Helper()
			return mustSearch(t, db, partner, store.SearchTerms{Text: q}, limit).leads
		}
		for _, c := range []struct {
			q     string
			limit int
			want  []string
		}{
			{"quandt", 20, []string{ids[3], ids[1], ids[0]}},
			{"quandt", 2, []string{ids[3], ids[1]}},
			{"adler", 20, []string{ids[0]}},
			{"adler@mail.example", 20, []string{ids[0]}},
			{"eva", 20, []string{ids[3], ids[0]}},
			{"berger", 20, nil},              // no consent: the person stays unknown
			{"claus", 20, nil},               // another partner's
			{"berger@mail.example", 20, nil}, // nor by e-mail
		} {
			if got := search(c.q, c.limit); !slices.Equal(got, c.want) {
				t.Errorf("%q (limit %d): %v, want %v", c.q, c.limit, got, c.want)
			}
		}
	})
}

// searchIDs are the ids a search found, by kind, in its order.
type searchIDs struct{ leads, contacts, registrations []string }

// mustSearch runs Tx.Search as actor and returns the ids it found.
func mustSearch(t *testing.T, db *store.DB, actor leadrouter.Actor, terms store.SearchTerms, limit int) searchIDs {
	t.Helper()
	var out searchIDs
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		hits, err := tx.Search(context.Background(), actor, terms, limit)
		for _, l := range hits.Leads {
			out.leads = append(out.leads, l.ID)
		}
		for _, c := range hits.Contacts {
			out.contacts = append(out.contacts, c.ID)
		}
		for _, r := range hits.Registrations {
			out.registrations = append(out.registrations, r.ID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
