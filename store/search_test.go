package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestSearchByPersonTokens: the support desk's search finds leads and
// contacts by first name, last name, "first last" and phone through the
// token index: those stored before migration 0019 (which wrote their
// tokens), a contact at once, a new lead by e-mail at once and by name and
// phone once the indexer has read it. A common word gives the newest
// records, as many as asked for.
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
		var old, oldContact string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			old = lead(tx, "Henrike", "Quandt", "henrike@quandt.example", "+49301234567", "Quandt Maschinen GmbH")
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
			if err := db.View(ctx, func(tx *store.Tx) error {
				hits, err := tx.Search(ctx, support, terms, limit)
				for _, l := range hits.Leads {
					leads = append(leads, l.ID)
				}
				for _, c := range hits.Contacts {
					contacts = append(contacts, c.ID)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return leads, contacts
		}
		for _, q := range []string{"henrike", "quandt", "henrike quandt", "+49301234567"} {
			if leads, contacts := search(q, 20); !slices.Equal(leads, []string{old}) || !slices.Equal(contacts, []string{oldContact}) {
				t.Errorf("%q before the migration: leads %v, contacts %v; want %s and %s", q, leads, contacts, old, oldContact)
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
