package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// tokenPostingLimit bounds the rows read from one company token's posting
// list: a word shared by thousands of names says little, and reading all of
// them would turn a lookup into a scan.
const tokenPostingLimit = 16

// tokenHit is a record sharing company-name tokens with a query.
type tokenHit struct {
	kind, id string
	shared   int
}

// tokenHits returns up to limit records sharing the most of tokens, those
// sharing more first (then the newer id). Each token's posting list is
// read up to tokenPostingLimit rows (a common word must not turn a lookup
// into a scan), all in one statement that also counts and ranks them: only
// the hits kept travel back (at 1M leads a lookup read some 160 postings
// to keep 16, and passing each row through the driver was a third of the
// lookup's time).
func (tx *Tx) tokenHits(ctx context.Context, tokens []string, limit int) ([]tokenHit, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	parts := make([]string, 0, len(tokens))
	args := make([]any, 0, len(tokens)+1)
	for i, tok := range tokens {
		parts = append(parts, fmt.Sprintf(`SELECT kind, ref_id FROM (SELECT kind, ref_id FROM company_tokens WHERE token = ? LIMIT %d) AS t%d`, tokenPostingLimit, i))
		args = append(args, tok)
	}
	args = append(args, limit)
	rows, err := tx.Query(ctx, `SELECT kind, ref_id, COUNT(*) AS shared FROM (`+strings.Join(parts, " UNION ALL ")+`) AS postings
		GROUP BY kind, ref_id ORDER BY shared DESC, ref_id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("match by company tokens: %w", err)
	}
	defer rows.Close()
	hits := make([]tokenHit, 0, limit)
	for rows.Next() {
		var h tokenHit
		if err := rows.Scan(&h.kind, &h.id, &h.shared); err != nil {
			return nil, fmt.Errorf("match by company tokens: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match by company tokens: %w", err)
	}
	return hits, nil
}

// MatchCandidates fetches candidates through indexes only: e-mail on leads
// and contacts, domain on account_domains, leads' e-mail domains and
// registrations, the company key on accounts, leads and registrations, and
// the company-token index for near misses (bounded by q.Limit).
func (tx *Tx) MatchCandidates(ctx context.Context, q leadrouter.MatchQuery) ([]leadrouter.MatchCandidate, error) {
	ids := map[string][]string{}
	// The exact lookups (e-mail, domain, company key) in one statement:
	// each part an index search with its own bound. The leads found so
	// come with their columns (their rows are read for the search anyway),
	// so only the near misses are read by id below.
	var parts []string
	var args []any
	part := func(kind, query string, arg any) {
		cols := "id, '', '', '', '', '', '', ''"
		if kind == "lead" {
			cols = leadCandidateColumns
		}
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS kind, %s FROM (%s) AS p%d", kind, cols, query, len(parts)))
		args = append(args, arg)
	}
	if q.Email != "" {
		for _, byEmail := range leadsByEmail(leadSearchColumns) {
			part("lead", byEmail+` ORDER BY id DESC LIMIT 20`, q.Email)
		}
		part("contact", `SELECT id FROM contacts WHERE email = ? LIMIT 20`, q.Email)
	}
	if q.Domain != "" {
		part("account", `SELECT account_id AS id FROM account_domains WHERE domain = ?`, q.Domain)
		part("registration", `SELECT id FROM registrations WHERE domain = ? LIMIT 50`, q.Domain)
		part("lead", `SELECT `+leadSearchColumns+` FROM leads WHERE email_domain = ? AND status NOT IN ('converted', 'disqualified') ORDER BY id DESC LIMIT 20`, q.Domain)
	}
	if q.CompanyKey != "" {
		part("account", `SELECT id FROM accounts WHERE name_key = ? LIMIT 20`, q.CompanyKey)
		part("lead", `SELECT `+leadSearchColumns+` FROM leads WHERE company_key = ? ORDER BY id DESC LIMIT 20`, q.CompanyKey)
		part("registration", `SELECT id FROM registrations WHERE company_key = ? LIMIT 50`, q.CompanyKey)
	}
	leads := map[string]leadrouter.MatchCandidate{}
	if len(parts) > 0 {
		rows, err := tx.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
		if err != nil {
			return nil, fmt.Errorf("match by e-mail, domain and company: %w", err)
		}
		for rows.Next() {
			var c leadrouter.MatchCandidate
			var ownerKind, ownerID string
			if err := rows.Scan(&c.Kind, &c.ID, &c.Email, &c.Company, &c.Status, &ownerKind, &ownerID, &c.PartnerID, &c.Reserved); err != nil {
				rows.Close()
				return nil, err
			}
			if c.Kind == "lead" {
				c.Owner = ownerKind + ":" + ownerID
				leads[c.ID] = c
				continue
			}
			ids[c.Kind] = append(ids[c.Kind], c.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("match by e-mail, domain and company: %w", err)
		}
	}
	if len(q.Tokens) > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = 50
		}
		hits, err := tx.tokenHits(ctx, q.Tokens, limit)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			ids[h.kind] = append(ids[h.kind], h.id)
		}
	}
	var leadIDs []string
	for _, id := range ids["lead"] {
		if _, ok := leads[id]; !ok {
			leadIDs = append(leadIDs, id)
		}
	}
	leadIDs, accountIDs, contactIDs, regIDs := uniq(leadIDs), uniq(ids["account"]), uniq(ids["contact"]), uniq(ids["registration"])
	n := len(leads) + len(leadIDs) + len(accountIDs) + len(contactIDs) + len(regIDs)
	seen, out := make(map[[2]string]bool, n), make([]leadrouter.MatchCandidate, 0, n)
	add := func(c leadrouter.MatchCandidate) {
		if k := [2]string{c.Kind, c.ID}; !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(leads)) {
		add(leads[id])
	}
	if err := tx.recordCandidates(ctx, leadIDs, contactIDs, accountIDs, add); err != nil {
		return nil, err
	}
	if err := tx.registrationCandidates(ctx, regIDs, add); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

func uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// AccountByDomain returns the id of the account owning domain or, failing
// that, any of its parent domains (emea.acme.com → acme.com), or "".
func (tx *Tx) AccountByDomain(ctx context.Context, domain string) (string, error) {
	for d := domain; strings.Contains(d, "."); {
		var id string
		err := tx.QueryRow(ctx, `SELECT account_id FROM account_domains WHERE domain = ?`, d).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !isNoRows(err) {
			return "", fmt.Errorf("account by domain: %w", err)
		}
		_, d, _ = strings.Cut(d, ".")
	}
	return "", nil
}

// MatchAccount finds the account owning domain or the nearest of its
// parent domains (emea.acme.com → acme.com; domain "" for none), else the
// oldest account whose normalised name is companyKey, together with the
// partner owning it or its hierarchy: one statement for the domains, and
// one for the name only when they match nothing. ok is false when none
// matches.
func (tx *Tx) MatchAccount(ctx context.Context, domain, companyKey string) (m leadrouter.AccountMatch, ok bool, err error) {
	var domains []string
	for d := domain; strings.Contains(d, "."); _, d, _ = strings.Cut(d, ".") {
		domains = append(domains, d)
	}
	if len(domains) > 0 {
		list, args := inList(domains)
		q := `SELECT a.id, ` + hierarchyOwnerOf + ` FROM account_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain IN (` + list + `)`
		if len(domains) > 1 {
			q += ` ORDER BY LENGTH(d.domain) DESC LIMIT 1`
		}
		err = tx.QueryRow(ctx, q, args...).Scan(&m.ID, &m.OwnerPartnerID)
		if err == nil {
			m.By = "email_domain"
			return m, true, nil
		}
		if !isNoRows(err) {
			return leadrouter.AccountMatch{}, false, fmt.Errorf("match account by domain: %w", err)
		}
	}
	if companyKey == "" {
		return leadrouter.AccountMatch{}, false, nil
	}
	err = tx.QueryRow(ctx, `SELECT a.id, `+hierarchyOwnerOf+` FROM accounts a WHERE a.name_key = ? ORDER BY a.id LIMIT 1`, companyKey).Scan(&m.ID, &m.OwnerPartnerID)
	if isNoRows(err) {
		return leadrouter.AccountMatch{}, false, nil
	}
	if err != nil {
		return leadrouter.AccountMatch{}, false, fmt.Errorf("match account by name: %w", err)
	}
	m.By = "company_name"
	return m, true, nil
}

// PartnerOwnsDomainOrUser reports whether email belongs to partnerID: its
// domain (or a parent domain) is one of the partner's own domains, or it is
// the e-mail of one of the partner's users (the self-referral guard).
func (tx *Tx) PartnerOwnsDomainOrUser(ctx context.Context, partnerID, email string) (bool, string, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE partner_id = ? AND email = ?`, partnerID, email).Scan(&n); err != nil {
		return false, "", err
	}
	if n > 0 {
		return true, "the lead is a user of the crediting partner", nil
	}
	domain := emailDomain(email)
	for d := domain; strings.Contains(d, "."); {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM partner_domains WHERE partner_id = ? AND domain = ?`, partnerID, d).Scan(&n); err != nil {
			return false, "", err
		}
		if n > 0 {
			return true, "the lead's e-mail domain " + domain + " is the crediting partner's own", nil
		}
		_, d, _ = strings.Cut(d, ".")
	}
	return false, "", nil
}

// idIn returns the condition "column is one of ids" with its arguments:
// IN (?, ?, …) on SQLite, = ANY(?) with one array argument on PostgreSQL,
// whose driver then prepares one statement whatever the number of ids
// (an IN list of each length would be a statement of its own, prepared
// again as its cache turns over).
func (tx *Tx) idIn(column string, ids []string) (string, []any) {
	if tx.db.engine == Postgres {
		return column + " = ANY(?)", []any{ids}
	}
	ph, args := inList(ids)
	return column + " IN (" + ph + ")", args
}

// inList returns "?, ?, …" for n ids and the ids as arguments.
func inList(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// leadSearchColumns are the columns of leads leadCandidateColumns reads.
const leadSearchColumns = `id, email, company, status, owner_kind, owner_id, owner_partner_id, reserved_partner_id`

// leadCandidateColumns are the columns of a lead a match candidate carries
// (after its kind): id, e-mail, company, status, owner kind and id, owning
// and reserved partner.
const leadCandidateColumns = `id, email, company, status, owner_kind, owner_id, COALESCE(owner_partner_id, ''), COALESCE(reserved_partner_id, '')`

// recordCandidates reads the leads, contacts and accounts found by id in
// one statement (one round trip on PostgreSQL): a row per lead and contact,
// a row per account domain.
func (tx *Tx) recordCandidates(ctx context.Context, leadIDs, contactIDs, accountIDs []string, add func(leadrouter.MatchCandidate)) error {
	var parts []string
	var args []any
	if len(leadIDs) > 0 {
		cond, a := tx.idIn("id", leadIDs)
		parts = append(parts, `SELECT 'lead', `+leadCandidateColumns+`, '', '' FROM leads WHERE `+cond)
		args = append(args, a...)
	}
	if len(contactIDs) > 0 {
		cond, a := tx.idIn("c.id", contactIDs)
		parts = append(parts, `SELECT 'contact', c.id, c.email, a.name, 'contact', '', '', COALESCE(a.owner_partner_id, ''), '', '', ''
			FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE `+cond)
		args = append(args, a...)
	}
	if len(accountIDs) > 0 {
		cond, a := tx.idIn("a.id", accountIDs)
		parts = append(parts, `SELECT 'account', a.id, '', a.name, 'account', '', '', COALESCE(a.owner_partner_id, ''), '', a.root_id, COALESCE(d.domain, '')
			FROM accounts a LEFT JOIN account_domains d ON d.account_id = a.id WHERE `+cond)
		args = append(args, a...)
	}
	if len(parts) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return fmt.Errorf("read match candidates: %w", err)
	}
	defer rows.Close()
	var accounts []*leadrouter.MatchCandidate
	byID := map[string]*leadrouter.MatchCandidate{}
	for rows.Next() {
		var c leadrouter.MatchCandidate
		var ownerKind, ownerID, domain string
		if err := rows.Scan(&c.Kind, &c.ID, &c.Email, &c.Company, &c.Status, &ownerKind, &ownerID, &c.PartnerID, &c.Reserved, &c.RootID, &domain); err != nil {
			return fmt.Errorf("read match candidates: %w", err)
		}
		switch c.Kind {
		case "lead":
			c.Owner = ownerKind + ":" + ownerID
			add(c)
		case "contact":
			if c.PartnerID != "" {
				c.Owner = "partner:" + c.PartnerID
			}
			add(c)
		case "account":
			a := byID[c.ID]
			if a == nil {
				if c.PartnerID != "" {
					c.Owner = "partner:" + c.PartnerID
				}
				a = &c
				byID[c.ID] = a
				accounts = append(accounts, a)
			}
			if domain != "" {
				a.Domains = append(a.Domains, domain)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read match candidates: %w", err)
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	for _, a := range accounts {
		sort.Strings(a.Domains)
		add(*a)
	}
	return nil
}

func (tx *Tx) registrationCandidates(ctx context.Context, ids []string, add func(leadrouter.MatchCandidate)) error {
	if len(ids) == 0 {
		return nil
	}
	cond, args := tx.idIn("id", ids)
	rows, err := tx.Query(ctx, `SELECT id, company, domain, status, partner_id, expires_at FROM registrations WHERE `+cond, args...)
	if err != nil {
		return fmt.Errorf("read registration candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := leadrouter.MatchCandidate{Kind: "registration"}
		var domain string
		var expires sql.NullTime
		if err := rows.Scan(&c.ID, &c.Company, &domain, &c.Status, &c.PartnerID, &expires); err != nil {
			return err
		}
		if expires.Valid {
			c.Expires = expires.Time.UTC().Format(time.RFC3339)
		}
		if domain != "" {
			c.Domains = []string{domain}
		}
		c.Owner = "partner:" + c.PartnerID
		add(c)
	}
	return rows.Err()
}
