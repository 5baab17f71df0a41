package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestMatchQueriesUseIndexes asks each engine for the plans of the lookups
// that matching and duplicate detection run on every lead, and fails if
// any of them scans a whole table: on an empty database, and again after
// 2,000 of the vendor's own leads and ANALYZE, whose statistics say that
// no lead is a partner's (as after a bulk load, or with autovacuum off
// until someone runs ANALYZE). The claims' searches for partners' leads
// at the account and at the company once had conditions implying
// leads_partner_domain's, and with such statistics PostgreSQL read that
// whole index, thought empty, at every capture (SQLite, once analyzed,
// every partner's lead through leads_owner_partner for the company):
// every partner's open lead, thousands of them by the time the
// statistics caught up (migration 0027).
func TestMatchQueriesUseIndexes(t *testing.T) {
	queries := []planQuery{
		// Channel-conflict claims, at every capture and explain: partners'
		// open leads at the account and at the domain from indexes of those
		// leads alone (migrations 0016 and 0020), at the company through its
		// key.
		{"partners' open leads at the account", store.PartnerLeadsAtAccount, []any{"acc_1", "lead_1"}},
		{"partners' opportunities at the account", store.PartnerOpportunitiesAtAccount, []any{"acc_1"}},
		{"partners' open leads at the domain", store.PartnerLeadsAtDomain, []any{"b.example", "lead_1"}},
		{"partners' leads at the company", store.PartnerLeadsAtCompany, []any{"acme", "lead_1"}},
		{"open lead by e-mail", `SELECT id FROM leads WHERE email = ? AND email <> '' AND status NOT IN ('converted', 'disqualified')`, []any{"a@b.example"}},
		{"closed leads by e-mail", `SELECT id FROM leads WHERE email = ? AND status IN ('converted', 'disqualified') ORDER BY id DESC LIMIT 20`, []any{"a@b.example"}},
		{"a partner's leads by e-mail", `SELECT id FROM leads WHERE (owner_partner_id = ? OR reserved_partner_id = ? OR handoff_partner_id = ?)
			AND id IN (SELECT id FROM leads WHERE email = ? AND email <> '' AND status NOT IN ('converted', 'disqualified')
			UNION ALL SELECT id FROM leads WHERE email = ? AND status IN ('converted', 'disqualified')) ORDER BY id DESC LIMIT 51`,
			[]any{"p", "p", "p", "a@b.example", "a@b.example"}},
		{"leads by domain", `SELECT id FROM leads WHERE email_domain = ? AND status NOT IN ('converted', 'disqualified') ORDER BY id DESC LIMIT 20`, []any{"b.example"}},
		{"leads by company", `SELECT id FROM leads WHERE company_key = ? ORDER BY id DESC LIMIT 20`, []any{"acme"}},
		{"leads by company words", `SELECT id FROM leads WHERE id IN (SELECT id FROM leads WHERE company_key = ? UNION SELECT ref_id FROM
			(SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'lead' INTERSECT SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'lead') AS words)
			ORDER BY id DESC LIMIT 20`, []any{"pop cynthia", "pop", "cynthia"}},
		{"contacts by e-mail", `SELECT id FROM contacts WHERE email = ? LIMIT 20`, []any{"a@b.example"}},
		{"account by domain", `SELECT account_id FROM account_domains WHERE domain = ?`, []any{"b.example"}},
		{"account match by domain", `SELECT a.id, COALESCE(a.owner_partner_id, (SELECT MIN(f.owner_partner_id) FROM accounts f
			WHERE f.root_id = a.root_id AND f.owner_partner_id IS NOT NULL), '')
			FROM account_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain IN (?, ?) ORDER BY LENGTH(d.domain) DESC LIMIT 1`, []any{"sales.b.example", "b.example"}},
		{"account match by name", `SELECT a.id, COALESCE(a.owner_partner_id, (SELECT MIN(f.owner_partner_id) FROM accounts f
			WHERE f.root_id = a.root_id AND f.owner_partner_id IS NOT NULL), '') FROM accounts a WHERE a.name_key = ? ORDER BY a.id LIMIT 1`, []any{"acme"}},
		{"accounts by name", `SELECT id FROM accounts WHERE name_key = ? LIMIT 20`, []any{"acme"}},
		{"registrations by domain", `SELECT id FROM registrations WHERE domain = ? LIMIT 50`, []any{"b.example"}},
		{"registrations at owned accounts", `SELECT id, partner_id FROM registrations WHERE account_id IN (?, ?)`, []any{"acc_1", "acc_2"}},
		{"company tokens", `SELECT kind, ref_id FROM (SELECT kind, ref_id FROM company_tokens WHERE token = ? LIMIT 16) AS t0
			UNION ALL SELECT kind, ref_id FROM (SELECT kind, ref_id FROM company_tokens WHERE token = ? LIMIT 16) AS t1`, []any{"acme", "acm*"}},
		{"leads by id", `SELECT id, email FROM leads WHERE id IN (?, ?)`, []any{"a", "b"}},
		{"a partner's leads", `SELECT id FROM leads WHERE (owner_partner_id = ? OR reserved_partner_id = ? OR handoff_partner_id = ?)`, []any{"p", "p", "p"}},
		{"leads credited to a partner", `SELECT created_at FROM leads WHERE credited_partner_id = ? AND created_at >= ?`, []any{"p", "2026-01-01"}},
	}
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		// The one statement of a match lookup (GET /api/v1/matches),
		// with every search in it.
		text, args := store.MatchStatement(engine, leadrouter.MatchQuery{Email: "a@b.example", Domain: "b.example", CompanyKey: "acme",
			Tokens: []string{"acme", "acm*"}, Limit: 40})
		queries := append(slices.Clip(queries), planQuery{"a match lookup", text, args})
		// The one statement of the claims on a new lead, every search in it.
		text, args = store.ClaimsStatement(store.ClaimsQuery{AccountID: "acc_1", Domain: "sales.b.example", RegistrableDomain: "b.example",
			CompanyKey: "acme", ExcludeLeadID: "lead_1"})
		queries = append(queries, planQuery{"the claims on a new lead", text, args})
		// And the account match before them, by domain and name at once.
		text, args = store.AccountMatchStatement("sales.b.example", "acme")
		queries = append(queries, planQuery{"the account match", text, args})
		// The self-referral check of a credited lead.
		text, args = store.SelfReferralStatement("ptr_1", "a@sales.b.example")
		queries = append(queries, planQuery{"the self-referral check", text, args})
		t.Run("empty", func(t *testing.T) { checkPlans(t, db, engine, queries) })
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := range 2000 {
				l := leadrouter.Lead{Status: leadrouter.StatusNew, Email: fmt.Sprintf("p%d@c%d.example", i, i%400),
					Company: fmt.Sprintf("Company %d", i%400), Source: leadrouter.SourceAPI, Owner: queue}
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `ANALYZE`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Run("analyzed", func(t *testing.T) { checkPlans(t, db, engine, queries) })
	})
}

// planQuery is a statement TestMatchQueriesUseIndexes reads the plan of.
type planQuery struct {
	name, sql string
	args      []any
}

// checkPlans fails t for each of queries whose plan on db scans a table or
// misses the index it should use.
func checkPlans(t *testing.T, db *store.DB, engine store.Engine, queries []planQuery) {
	ctx := context.Background()
	err := db.Update(ctx, func(tx *store.Tx) error {
		if engine == store.Postgres {
			// Small tables make PostgreSQL prefer scans; ask for the
			// plan it would use at scale.
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
		}
		// The company-token indexer's read after its cursor differs by engine.
		queries := append(slices.Clip(queries), planQuery{"leads to index", `SELECT rowid, id, company FROM leads WHERE rowid > ? ORDER BY rowid LIMIT ?`, []any{0, 500}})
		if engine == store.Postgres {
			queries[len(queries)-1].sql = `SELECT tx::text::bigint AS position, id, company FROM leads
				WHERE tx IS NOT NULL AND (tx, id) > (?::text::xid8, ?) AND tx < pg_snapshot_xmin(pg_current_snapshot())
				ORDER BY tx, id LIMIT ?`
			queries[len(queries)-1].args = []any{"0", "", 500}
		}
		for _, q := range queries {
			text, err := planOf(ctx, tx, engine, q.sql, q.args...)
			if err != nil {
				return err
			}
			t.Logf("%s: %s", q.name, text)
			if table := scannedTable(text); table != "" {
				t.Errorf("%s scans %s: %s", q.name, table, text)
			}
			if strings.Contains(q.name, "leads by e-mail") && (!strings.Contains(text, "leads_closed_email") ||
				strings.HasPrefix(q.name, "a partner's") && !strings.Contains(text, "leads_open_email")) {
				t.Errorf("%s does not find the leads through their e-mail indexes: %s", q.name, text)
			}
			if want := map[string]string{"partners' open leads at the account": "leads_partner_account",
				"partners' open leads at the domain": "leads_partner_domain"}[q.name]; want != "" && !strings.Contains(text, want) {
				t.Errorf("%s does not search %s (it reads every lead there, or every partner's open lead): %s", q.name, want, text)
			}
			if q.name == "partners' leads at the company" && !strings.Contains(text, "leads_company_key") {
				t.Errorf("%s does not search the company key's index: %s", q.name, text)
			}
			if q.name == "the claims on a new lead" {
				for _, index := range []string{"leads_partner_account", "leads_partner_domain", "leads_company_key", "registrations_domain", "registrations_company_key"} {
					if !strings.Contains(text, index) {
						t.Errorf("%s does not search %s: %s", q.name, index, text)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// scannedTable returns the table a plan (planOf's lines) reads whole, or
// "": PostgreSQL's Seq Scan, or SQLite's SCAN of anything but a subquery
// or a common table expression the plan computes (CO-ROUTINE, MATERIALIZE).
func scannedTable(plan string) string {
	lines := strings.Split(plan, " | ")
	computed := map[string]bool{}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "CO-ROUTINE" || f[0] == "MATERIALIZE") {
			computed[f[1]] = true
		}
	}
	for _, line := range lines {
		if _, after, ok := strings.Cut(line, "Seq Scan on "); ok {
			return strings.Fields(after)[0]
		}
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "SCAN" && !computed[f[1]] && !strings.Contains(line, " USING ") && f[1] != "CONSTANT" {
			return f[1]
		}
	}
	return ""
}

// planOf returns the plan engine makes for query, its lines joined by " | ".
func planOf(ctx context.Context, tx *store.Tx, engine store.Engine, query string, args ...any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if engine == store.Postgres {
		prefix = "EXPLAIN "
	}
	rows, err := tx.Query(ctx, prefix+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, v := range vals {
			switch s := v.(type) {
			case string:
				plan = append(plan, s)
			case []byte:
				plan = append(plan, string(s))
			}
		}
	}
	return strings.Join(plan, " | "), rows.Err()
}

// TestLeadsByEmailOpenAndClosed: since migration 0024 an open lead's
// e-mail is in leads_open_email only and a closed one's in
// leads_closed_email; the list, the match lookup and the support desk's
// search by e-mail find both, and a lead closed after it was stored moves
// from the one index to the other.
func TestLeadsByEmailOpenAndClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		const email = "twice@closed.example"
		queue := leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}
		var first, second string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			l := leadrouter.Lead{Status: leadrouter.StatusNurturing, Email: email, Source: leadrouter.SourceAPI, Owner: queue}
			if err := tx.InsertLead(ctx, &l); err != nil {
				return err
			}
			first = l.ID
			l.Status = leadrouter.StatusDisqualified
			if err := tx.UpdateLead(ctx, &l); err != nil {
				return err
			}
			l2 := leadrouter.Lead{Status: leadrouter.StatusNew, Email: email, Source: leadrouter.SourceAPI, Owner: queue}
			if err := tx.InsertLead(ctx, &l2); err != nil {
				return err
			}
			second = l2.ID
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{second, first}
		if err := db.View(ctx, func(tx *store.Tx) error {
			page, err := tx.Leads(ctx, leadrouter.System, leadrouter.LeadFilter{Email: email})
			if err != nil {
				return err
			}
			var listed []string
			for _, l := range page.Items {
				listed = append(listed, l.ID)
			}
			if !slices.Equal(listed, want) {
				t.Errorf("leads listed by e-mail: %v, want %v", listed, want)
			}
			cands, err := tx.MatchCandidates(ctx, leadrouter.MatchQuery{Email: email, Limit: 10})
			if err != nil {
				return err
			}
			var matched []string
			for _, c := range cands {
				if c.Kind == "lead" {
					matched = append(matched, c.ID)
				}
			}
			if slices.Sort(matched); !slices.Equal(matched, []string{first, second}) {
				t.Errorf("leads matched by e-mail: %v, want %s and %s", matched, first, second)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		support := leadrouter.Actor{UserID: "usr_support", Role: leadrouter.RoleSupport}
		if found := mustSearch(t, db, support, store.SearchTerms{Text: email}, 20); !slices.Equal(found.leads, want) {
			t.Errorf("leads searched by e-mail: %v, want %v", found.leads, want)
		}
	})
}
