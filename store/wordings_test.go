package store_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestConsentWordingsMigrate: migration 0021 moves the consent wording of
// leads and consent records into the wordings table, each distinct
// sentence once, and every lead and record reads the same text after it
// as before (a lead without consent: the empty text).
func TestConsentWordingsMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpenAt(t, engine, 20)
		const form, other = "I agree that my details may be shared with a partner.", "Teilen Sie meine Daten mit einem Partner."
		texts := map[string]string{}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i, text := range []string{form, form, other, ""} {
				id := leadrouter.NewID("lead")
				texts[id] = text
				if _, err := tx.Exec(ctx, `INSERT INTO leads (id, status, email, source, owner_kind, owner_id, consent_share, consent_text, created_at, updated_at)
					VALUES (?, 'nurturing', ?, 'api', 'queue', 'inside-sales', ?, ?, ?, ?)`,
					id, leadrouter.NewID("p")+"@wording.example", text != "", text, tx.Now(), tx.Now()); err != nil {
					return err
				}
				if text == "" {
					continue
				}
				if _, err := tx.Exec(ctx, `INSERT INTO consents (id, lead_id, share, text, source, ip, actor, at) VALUES (?, ?, ?, ?, 'api', '', 'usr_api', ?)`,
					leadrouter.NewID("cns"), id, true, text, tx.Now()); err != nil {
					return err
				}
				if i == 2 { // a withdrawal without wording
					if _, err := tx.Exec(ctx, `INSERT INTO consents (id, lead_id, share, text, source, ip, actor, at) VALUES (?, ?, ?, '', 'api', '', 'usr_api', ?)`,
						leadrouter.NewID("cns"), id, false, tx.Now().Add(1)); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.View(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wordings`).Scan(&n); err != nil {
				return err
			}
			for id, text := range texts {
				l, err := tx.Lead(ctx, leadrouter.System, id)
				if err != nil {
					return err
				}
				if l.Consent.Text != text {
					t.Errorf("lead %s: consent text %q after the migration, want %q", id, l.Consent.Text, text)
				}
				cs, err := tx.Consents(ctx, id)
				if err != nil {
					return err
				}
				if text == "" && len(cs) != 0 || text != "" && (len(cs) == 0 || cs[0].Text != text) {
					t.Errorf("lead %s: consents %+v after the migration, want the text %q", id, cs, text)
				}
				if text == other && (len(cs) != 2 || cs[1].Text != "" || cs[1].Share) {
					t.Errorf("lead %s: the withdrawal reads %+v", id, cs)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d wordings after the migration, want 2", n)
		}
	})
}

// TestConsentWordingStoredOnce: leads and consent records that share a
// wording share one row, written with the first of them; a batch item
// that stored a new wording and then failed leaves no id behind that a
// later lead could refer to; changing a lead's consent reads back.
func TestConsentWordingStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		const text, fresh = "You may share my details with a partner.", "A sentence no lead has agreed to yet."
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		newLead := func(email, wording string) *leadrouter.Lead {
			return &leadrouter.Lead{Status: leadrouter.StatusNurturing, Email: email, Source: leadrouter.SourceAPI, Owner: queue,
				Consent: leadrouter.Consent{Share: wording != "", Text: wording}}
		}
		var ids []string
		capture := func(tx *store.Tx, email, wording string) error {
			l := newLead(email, wording)
			if err := tx.InsertLead(ctx, l); err != nil {
				return err
			}
			ids = append(ids, l.ID)
			return tx.InsertConsent(ctx, l.ID, true, wording, "api", "", "usr_api")
		}
		failed := leadrouter.Errorf(leadrouter.EINVALID, "no")
		errs := make([]error, 4)
		if err := db.RunBatch(func(b *store.Batch) error {
			errs[0] = b.Item(ctx, func(tx *store.Tx) error { return capture(tx, "a@once.example", text) })
			errs[1] = b.Item(ctx, func(tx *store.Tx) error {
				if err := capture(tx, "b@once.example", fresh); err != nil {
					return err
				}
				ids = ids[:len(ids)-1]
				return failed
			})
			errs[2] = b.Item(ctx, func(tx *store.Tx) error { return capture(tx, "c@once.example", text) })
			errs[3] = b.Item(ctx, func(tx *store.Tx) error { return capture(tx, "d@once.example", fresh) })
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || errs[1] != failed || errs[2] != nil || errs[3] != nil {
			t.Fatalf("items: %v", errs)
		}
		// In a later transaction, from the cache.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if err := capture(tx, "e@once.example", fresh); err != nil {
				return err
			}
			return capture(tx, "f@once.example", text)
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{text, text, fresh, fresh, text}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wordings`).Scan(&n); err != nil {
				return err
			}
			if n != 2 {
				t.Errorf("%d wordings, want 2", n)
			}
			for i, id := range ids {
				l, err := tx.LeadForUpdate(ctx, leadrouter.System, id)
				if err != nil {
					return err
				}
				cs, err := tx.Consents(ctx, id)
				if err != nil {
					return err
				}
				if l.Consent.Text != want[i] || len(cs) != 1 || cs[0].Text != want[i] {
					t.Errorf("lead %d: consent text %q, records %+v; want %q", i, l.Consent.Text, cs, want[i])
				}
			}
			// A withdrawal: the lead keeps no wording.
			l, err := tx.LeadForUpdate(ctx, leadrouter.System, ids[0])
			if err != nil {
				return err
			}
			l.Consent = leadrouter.Consent{}
			return tx.UpdateLead(ctx, &l)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			l, err := tx.Lead(ctx, leadrouter.System, ids[0])
			if err == nil && l.Consent.Text != "" {
				t.Errorf("after the withdrawal the lead's consent text is %q", l.Consent.Text)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
