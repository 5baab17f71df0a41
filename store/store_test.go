package store_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

var admin = leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}

func mustPartner(t *testing.T, db *store.DB, in leadrouter.NewPartner) leadrouter.Partner {
	t.Helper()
	var p leadrouter.Partner
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = adminuc.CreatePartner(context.Background(), tx, admin, in)
		return err
	}); err != nil {
		t.Fatalf("create partner: %v", err)
	}
	return p
}

func TestPartnerInvariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Berlin Systems", Countries: []string{"DE", "deu", "Germany"}, Domains: []string{"berlin-systems.de"}})
		if _, err := leadrouter.ParsePID(string(p.PID)); err != nil {
			t.Fatalf("issued PID %q invalid: %v", p.PID, err)
		}
		if len(p.Countries) != 1 || p.Countries[0] != "DE" {
			t.Fatalf("countries = %v, want [DE]", p.Countries)
		}
		// A vanity PID is case-insensitive and unique.
		mustPartner(t, db, leadrouter.NewPartner{PID: "vanity01", Name: "Vanity"})
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.CreatePartner(ctx, tx, admin, leadrouter.NewPartner{PID: "VANITY01", Name: "Copycat"})
			return err
		})
		if leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("duplicate PID: got %v, want conflict", err)
		}
		// Found by PID in any case.
		if err := db.View(ctx, func(tx *store.Tx) error {
			got, err := tx.PartnerByPID(ctx, "Vanity01")
			if err == nil && got.Name != "Vanity" {
				t.Errorf("PartnerByPID = %q", got.Name)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The schema refuses malformed PIDs even if the domain is bypassed.
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO partners (id, pid, name, created_at, updated_at) VALUES ('x', 'ab-12', 'x', ?, ?)`, tx.Now(), tx.Now())
			return err
		})
		if err == nil {
			t.Fatal("schema accepted a malformed PID")
		}
	})
}

// fieldNames lists the fields err names, in order.
func fieldNames(err error) []string {
	var names []string
	for _, f := range leadrouter.ErrorFields(err) {
		names = append(names, f.Field)
	}
	return names
}

// TestPartnerValidationCollectsEveryField: creating or updating a partner
// reports every offending field in one error (the PAM check included),
// refuses pseudo-countries and free-mail domains, and writes nothing.
func TestPartnerValidationCollectsEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var salesID string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			u, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "sally@vendor.example", Name: "Sally", Role: leadrouter.RoleSales})
			salesID = u.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		create := func(in leadrouter.NewPartner) error {
			return db.Update(ctx, func(tx *store.Tx) error {
				_, err := adminuc.CreatePartner(ctx, tx, admin, in)
				return err
			})
		}

		err := create(leadrouter.NewPartner{Name: "", Countries: []string{"DE", "XX", "International"}, Tier: "gold", PAMUserID: salesID,
			Domains: []string{"v1.de", "gmail.com", "not a domain", "www.GoogleMail.com"}, Weight: -1})
		want := []string{"name", "countries[1]", "countries[2]", "domains[2]", "weight", "domains[1]", "domains[3]", "pam_user_id"}
		if leadrouter.ErrorCode(err) != leadrouter.EINVALID || strings.Join(fieldNames(err), " ") != strings.Join(want, " ") {
			t.Fatalf("create: %v, want fields %v", err, want)
		}
		err = create(leadrouter.NewPartner{Name: "V1", Countries: []string{"XX"}, PAMUserID: "usr_nobody"})
		if got := strings.Join(fieldNames(err), " "); leadrouter.ErrorCode(err) != leadrouter.EINVALID || got != "countries[0] pam_user_id" {
			t.Fatalf("create: %v", err)
		}
		var page store.Page[leadrouter.Partner]
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			page, err = tx.Partners(ctx, admin, 0, "")
			return err
		}); err != nil || len(page.Items) != 0 {
			t.Fatalf("partners after refused creations: %v, %v", page.Items, err)
		}

		p := mustPartner(t, db, leadrouter.NewPartner{Name: "V1", Countries: []string{"Germany", "AUT"}, Domains: []string{"v1.de"}})
		if strings.Join(p.Countries, " ") != "DE AT" {
			t.Fatalf("countries = %v", p.Countries)
		}
		empty, countries := "", []string{"AT", "None"}
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.UpdatePartner(ctx, tx, admin, p.ID, leadrouter.PartnerUpdate{Name: &empty, Countries: &countries, PAMUserID: &salesID})
			return err
		})
		if got := strings.Join(fieldNames(err), " "); leadrouter.ErrorCode(err) != leadrouter.EINVALID || got != "name countries[1] pam_user_id" {
			t.Fatalf("update: %v", err)
		}
	})
}

func TestPIDUniqueUnderConcurrentCreation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Update(ctx, func(tx *store.Tx) error {
					_, err := adminuc.CreatePartner(ctx, tx, admin, leadrouter.NewPartner{PID: "SAMEPID1", Name: "Racer"})
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch leadrouter.ErrorCode(err) {
				case "":
					wins++
				case leadrouter.ECONFLICT:
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 11 {
			t.Fatalf("wins=%d conflicts=%d, want 1 and 11", wins, conflicts)
		}
		// Random PIDs issued concurrently are all distinct.
		pids := make(chan leadrouter.PID, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := mustPartner(t, db, leadrouter.NewPartner{Name: "Many"})
				pids <- p.PID
			}()
		}
		wg.Wait()
		close(pids)
		seen := map[leadrouter.PID]bool{}
		for p := range pids {
			if seen[p] {
				t.Fatalf("PID %s issued twice", p)
			}
			seen[p] = true
		}
	})
}

func TestUsersAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		db := storetest.MustOpenURL(t, url)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "P1"})
		var token string
		err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			_, token, err = adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "Ann@P1.example", Name: "Ann", Role: leadrouter.RolePartner, PartnerID: p.ID, Password: "correct horse battery"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.Authenticate(ctx, token)
		if err != nil || u.PartnerID != p.ID || u.Email != "ann@p1.example" {
			t.Fatalf("authenticate: %+v %v", u, err)
		}
		if _, err := db.Authenticate(ctx, token+"x"); leadrouter.ErrorCode(err) != leadrouter.EUNAUTHORIZED {
			t.Fatalf("bad token: %v", err)
		}
		if _, err := db.CheckPassword(ctx, "ann@p1.example", "correct horse battery"); err != nil {
			t.Fatalf("password: %v", err)
		}
		if _, err := db.CheckPassword(ctx, "ann@p1.example", "wrong"); err == nil {
			t.Fatal("wrong password accepted")
		}
		// A partner user needs a partner; a staff user may not have one.
		for _, in := range []leadrouter.NewUser{
			{Email: "x@y.example", Name: "X", Role: leadrouter.RolePartner},
			{Email: "y@y.example", Name: "Y", Role: leadrouter.RoleSales, PartnerID: p.ID},
			{Email: "z@y.example", Name: "Z", Role: "boss"},
		} {
			err := db.Update(ctx, func(tx *store.Tx) error { _, _, err := adminuc.CreateUser(ctx, tx, in); return err })
			if leadrouter.ErrorCode(err) != leadrouter.EINVALID {
				t.Errorf("%+v: got %v, want invalid", in, err)
			}
		}
		// The schema enforces the same rule.
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, role, created_at) VALUES ('u1', 'q@q.example', 'Q', 'partner', ?)`, tx.Now())
			return err
		})
		if err == nil {
			t.Fatal("schema accepted a partner user without partner")
		}
		// Tokens are stored only hashed.
		var stored string
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT hash FROM tokens LIMIT 1`).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, token) || stored != store.HashSecret(token) {
			t.Fatalf("stored token %q is not the hash", stored)
		}
		if engine == store.SQLite {
			db.Close()
			path := strings.TrimPrefix(url, "sqlite:")
			for _, f := range []string{path, path + "-wal"} {
				raw, err := os.ReadFile(f)
				if err != nil {
					continue
				}
				if bytes.Contains(raw, []byte(token)) {
					t.Fatalf("token in plain text in %s", f)
				}
				if bytes.Contains(raw, []byte("correct horse battery")) {
					t.Fatalf("password in plain text in %s", f)
				}
			}
		}
	})
}

func TestPartnerScopedQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p1 := mustPartner(t, db, leadrouter.NewPartner{Name: "P1"})
		p2 := mustPartner(t, db, leadrouter.NewPartner{Name: "P2"})
		var acc2 leadrouter.Account
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			acc2, err = adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Acme", Domains: []string{"acme.example"}, OwnerPartnerID: p2.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		as1 := leadrouter.Actor{UserID: "u1", Role: leadrouter.RolePartner, PartnerID: p1.ID}
		err := db.View(ctx, func(tx *store.Tx) error {
			if _, err := tx.Partner(ctx, as1, p2.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				t.Errorf("partner 1 reading partner 2: %v", err)
			}
			if _, err := tx.Account(ctx, as1, acc2.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				t.Errorf("partner 1 reading partner 2's account: %v", err)
			}
			page, err := tx.Partners(ctx, as1, 10, "")
			if err != nil {
				return err
			}
			if len(page.Items) != 1 || page.Items[0].ID != p1.ID {
				t.Errorf("partner 1 lists %+v", page.Items)
			}
			accs, err := tx.Accounts(ctx, as1, 10, "")
			if err != nil {
				return err
			}
			if len(accs.Items) != 0 {
				t.Errorf("partner 1 lists accounts %+v", accs.Items)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestMatchAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Owner"})
		err := db.Update(ctx, func(tx *store.Tx) error {
			tyrell, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Tyrell Corporation", Domains: []string{"tyrell.co.uk"}, OwnerPartnerID: p.ID})
			if err != nil {
				return err
			}
			labs, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Tyrell Labs", Domains: []string{"labs.tyrell.co.uk"}, ParentID: tyrell.ID})
			if err != nil {
				return err
			}
			wallace, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Wallace", Domains: []string{"wallace.example"}})
			if err != nil {
				return err
			}
			for _, c := range []struct {
				domain, key string
				want        leadrouter.AccountMatch
				ok          bool
			}{
				{"tyrell.co.uk", "", leadrouter.AccountMatch{ID: tyrell.ID, By: "email_domain", OwnerPartnerID: p.ID}, true},
				{"sales.tyrell.co.uk", "", leadrouter.AccountMatch{ID: tyrell.ID, By: "email_domain", OwnerPartnerID: p.ID}, true},
				// The nearest parent domain wins; the division's owner is its hierarchy's.
				{"eu.labs.tyrell.co.uk", "", leadrouter.AccountMatch{ID: labs.ID, By: "email_domain", OwnerPartnerID: p.ID}, true},
				// A domain match beats a company-name match.
				{"wallace.example", "tyrelllabs", leadrouter.AccountMatch{ID: wallace.ID, By: "email_domain"}, true},
				{"unknown.example", "tyrelllabs", leadrouter.AccountMatch{ID: labs.ID, By: "company_name", OwnerPartnerID: p.ID}, true},
				{"", "wallace", leadrouter.AccountMatch{ID: wallace.ID, By: "company_name"}, true},
				{"unknown.example", "nobody", leadrouter.AccountMatch{}, false},
				{"", "", leadrouter.AccountMatch{}, false},
			} {
				key := c.key
				if key != "" {
					key = match.NormaliseCompany(map[string]string{"tyrelllabs": "Tyrell Labs", "wallace": "Wallace", "nobody": "Nobody Ltd"}[key])
				}
				got, ok, err := tx.MatchAccount(ctx, c.domain, key)
				if err != nil || ok != c.ok || got != c.want {
					t.Errorf("MatchAccount(%q, %q) = %+v, %v, %v; want %+v, %v", c.domain, key, got, ok, err, c.want, c.ok)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAccountsHierarchy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Owner"})
		q := mustPartner(t, db, leadrouter.NewPartner{Name: "Division owner"})
		err := db.Update(ctx, func(tx *store.Tx) error {
			root, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Acme Holdings", Domains: []string{"acme.com"}, OwnerPartnerID: p.ID})
			if err != nil {
				return err
			}
			emea, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Acme EMEA", Domains: []string{"acme.eu"}, ParentID: root.ID})
			if err != nil {
				return err
			}
			if emea.RootID != root.ID {
				t.Errorf("division root = %s, want %s", emea.RootID, root.ID)
			}
			owner, err := tx.HierarchyOwner(ctx, emea.ID)
			if err != nil || owner != p.ID {
				t.Errorf("hierarchy owner = %q, %v", owner, err)
			}
			// An account's own owner comes before its hierarchy's.
			apac, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Acme APAC", Domains: []string{"acme.asia"}, ParentID: root.ID, OwnerPartnerID: q.ID})
			if err != nil {
				return err
			}
			if owner, err := tx.HierarchyOwner(ctx, apac.ID); err != nil || owner != q.ID {
				t.Errorf("division's own owner = %q, %v; want %s", owner, err, q.ID)
			}
			lone, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Lone", Domains: []string{"lone.example"}})
			if err != nil {
				return err
			}
			if owner, err := tx.HierarchyOwner(ctx, lone.ID); err != nil || owner != "" {
				t.Errorf("unowned hierarchy owner = %q, %v", owner, err)
			}
			if _, err := tx.HierarchyOwner(ctx, "acc_missing"); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				t.Errorf("missing account: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Other", Domains: []string{"ACME.com"}})
			return err
		})
		if leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Errorf("domain reuse: %v", err)
		}
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.CreateAccount(ctx, tx, admin, leadrouter.NewAccount{Name: "Orphan", ParentID: "acc_missing"})
			return err
		})
		if leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Fatalf("missing parent: %v", err)
		}
	})
}

func TestEventChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if err := db.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendEvent(ctx, "lead_x", "test", admin, map[string]int{"i": i})
					return err
				}); err != nil {
					t.Errorf("append: %v", err)
				}
			}(i)
		}
		wg.Wait()
		rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil)
		if err != nil || len(rep.Findings) > 0 || rep.Events != 20 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		// Events are append-only.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE events SET data = '{}' WHERE n = 3`)
			return err
		}); err == nil {
			t.Fatal("an event was updated")
		}
		// Tampering behind the triggers' back is detected.
		storetest.MustTamper(t, db, `UPDATE events SET data = '{"i":99}' WHERE subject = 'lead_x' AND n = 7`)
		rep, err = audit.Verify(ctx, db, storetest.AuditKey, nil)
		if err != nil || len(rep.Findings) != 1 || rep.Findings[0].N != 7 {
			t.Fatalf("tampered chain: %+v %v", rep.Findings, err)
		}
	})
}

// TestLeadSearch: ?company= finds a lead by its normalised name or by
// every distinctive word of the query; ?email= finds, for a partner, only
// leads whose contact details it may see (no way to test whether a
// redacted lead has a given e-mail).
func TestLeadSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Owner"})
		partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: p.ID}
		owned := leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: p.ID, PartnerID: p.ID}
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i, l := range []leadrouter.Lead{
				{Company: "Acme EMEA GmbH", Email: "a@acme.example", Owner: queue},
				{Company: "Acme Foods", Email: "b@acmefoods.example", Owner: queue},
				{Company: "The Pop Cynthia Project", Email: "c@pop.example", Owner: queue},
				{Company: "Other Ltd", Email: "secret@other.example", Owner: owned},
				{Company: "Shared Ltd", Email: "shared@other.example", Owner: owned, Consent: leadrouter.Consent{Share: true, Text: "yes"}},
			} {
				l.ID, l.Status, l.LastName, l.Country, l.Source = leadrouter.NewID("lead"), leadrouter.StatusNurturing, "Person"+strconv.Itoa(i), "DE", leadrouter.SourceCall
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The words of a company are found once the indexer has run.
		storetest.MustIndexLeads(t, db, 5)
		find := func(actor leadrouter.Actor, f leadrouter.LeadFilter) []string {
			t.Helper()
			var out []string
			err := db.View(ctx, func(tx *store.Tx) error {
				page, err := tx.Leads(ctx, actor, f)
				for _, l := range page.Items {
					out = append(out, l.Company)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(out)
			return out
		}
		for _, c := range []struct {
			company string
			want    []string
		}{
			{"acme", []string{"Acme EMEA GmbH", "Acme Foods"}},
			{"Acme Foods, Inc.", []string{"Acme Foods"}},
			{"Pop Cynthia", []string{"The Pop Cynthia Project"}},
			{"cynthia pop", []string{"The Pop Cynthia Project"}},
			{"Acme Cynthia", nil},
		} {
			if got := find(admin, leadrouter.LeadFilter{Company: c.company}); !slices.Equal(got, c.want) {
				t.Errorf("company=%q: %v, want %v", c.company, got, c.want)
			}
		}
		if got := find(partner, leadrouter.LeadFilter{Email: "secret@other.example"}); len(got) != 0 {
			t.Errorf("a partner finds a lead it sees redacted by its e-mail: %v", got)
		}
		if got := find(partner, leadrouter.LeadFilter{Email: "shared@other.example"}); len(got) != 1 {
			t.Errorf("a partner does not find its consented lead by e-mail: %v", got)
		}
		if got := find(partner, leadrouter.LeadFilter{}); len(got) != 2 {
			t.Errorf("a partner's leads: %v", got)
		}
		if got := find(admin, leadrouter.LeadFilter{Email: "secret@other.example"}); len(got) != 1 {
			t.Errorf("staff by e-mail: %v", got)
		}
	})
}
