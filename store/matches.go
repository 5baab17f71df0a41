package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
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

// rankedTokenHits is the statement of the records sharing the most of
// tokens, up to limit (those sharing more first, then the newer id), with
// its arguments. Each token's posting list is read up to
// tokenPostingLimit rows (a common word must not turn a lookup into a
// scan), and the counting and ranking happen in the statement: only the
// hits kept travel back or are read further (at 1M leads a lookup read
// some 160 postings to keep 16, and passing each row through the driver
// was a third of the lookup's time).
//
// On PostgreSQL the tokens are one array argument, read through a lateral
// join: one statement text whatever their number. Each text is planned
// again for its first executions on every connection (custom plans), and
// with a text per number of tokens those plans, about a millisecond each
// for a lookup's statement at 1M leads, were a tenth of all lookups.
func rankedTokenHits(engine Engine, tokens []string, limit int) (string, []any) {
	if engine == Postgres {
		return fmt.Sprintf(`SELECT p.kind, p.ref_id, COUNT(*) AS shared FROM unnest(CAST(? AS text[])) AS q(token)
		CROSS JOIN LATERAL (SELECT kind, ref_id FROM company_tokens WHERE token = q.token LIMIT %d) AS p
		GROUP BY p.kind, p.ref_id ORDER BY shared DESC, p.ref_id DESC LIMIT ?`, tokenPostingLimit), tokenArgs(engine, tokens, limit)
	}
	postings := make([]string, 0, len(tokens))
	for i := range tokens {
		postings = append(postings, fmt.Sprintf(`SELECT kind, ref_id FROM (SELECT kind, ref_id FROM company_tokens WHERE token = ? LIMIT %d) AS t%d`, tokenPostingLimit, i))
	}
	return `SELECT kind, ref_id, COUNT(*) AS shared FROM (` + strings.Join(postings, " UNION ALL ") + `) AS postings
		GROUP BY kind, ref_id ORDER BY shared DESC, ref_id DESC LIMIT ?`, tokenArgs(engine, tokens, limit)
}

// tokenArgs are the arguments of rankedTokenHits: the tokens (one array
// on PostgreSQL, one argument each on SQLite), then the limit.
func tokenArgs(engine Engine, tokens []string, limit int) []any {
	if engine == Postgres {
		return []any{tokens, limit}
	}
	args := make([]any, 0, len(tokens)+1)
	for _, tok := range tokens {
		args = append(args, tok)
	}
	return append(args, limit)
}

// tokenHits returns up to limit records sharing the most of tokens
// (rankedTokenHits).
func (tx *Tx) tokenHits(ctx context.Context, tokens []string, limit int) ([]tokenHit, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	text, args := rankedTokenHits(tx.db.engine, tokens, limit)
	rows, err := tx.Query(ctx, text, args...)
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

// matchStatement is the one statement MatchCandidates runs, with its
// arguments: every search of a lookup and the rows of what they find, so
// that a lookup is one round trip on PostgreSQL (it was three: the exact
// searches, the company-word postings, then the rows of what those two
// found by id; at 1M leads their waits were half a lookup's time, and
// most of its p99). Its parts:
//
//   - hits: the records sharing the most of q.Tokens, up to q.Limit
//     (rankedTokenHits).
//   - found: the ids of accounts and registrations found by domain, by
//     company key and by words (words never find a contact: the person
//     tokens in the same index begin with "n:" or "p:", which no company
//     word has).
//   - the rows: leads by e-mail, domain and company key (each an index
//     search with its own bound) and the leads among the hits by id;
//     contacts by e-mail with their account; the accounts found, a row per
//     domain; the registrations found, by id only (registrationCandidates
//     reads their rows, whose expiry each engine keeps in its own type).
//
// Every row has the columns kind, id, e-mail, company, status, owner kind,
// owner id, partner, reserved partner, root account and domain. The text
// depends only on which searches a lookup has (matchShape) and is made
// once for each: building it anew was a fifth of a lookup's allocations.
func matchStatement(engine Engine, q leadrouter.MatchQuery) (string, []any) {
	shape := matchShape{engine: engine, email: q.Email != "", domain: q.Domain != "", company: q.CompanyKey != "", tokens: len(q.Tokens)}
	if engine == Postgres {
		shape.tokens = min(shape.tokens, 1) // one array, whatever their number
	}
	text, ok := matchStatements.Load(shape)
	if !ok {
		text, _ = matchStatements.LoadOrStore(shape, shape.statement())
	}
	if text == "" {
		return "", nil
	}
	// The arguments in the order of the text's placeholders: the CTEs'
	// (words, their limit, domain, company key), then the rows'.
	var args []any
	if len(q.Tokens) > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = 50
		}
		args = append(args, tokenArgs(engine, q.Tokens, limit)...)
	}
	if shape.domain {
		args = append(args, q.Domain, q.Domain)
	}
	if shape.company {
		args = append(args, q.CompanyKey, q.CompanyKey)
	}
	if shape.email {
		args = append(args, q.Email, q.Email)
	}
	if shape.domain {
		args = append(args, q.Domain)
	}
	if shape.company {
		args = append(args, q.CompanyKey)
	}
	if shape.email {
		args = append(args, q.Email)
	}
	return text.(string), args
}

// matchShape is which searches a lookup has: its statement's text.
type matchShape struct {
	engine                 Engine
	email, domain, company bool
	// tokens is the number of words on SQLite (a posting list each), 0
	// or 1 on PostgreSQL (one array).
	tokens int
}

// matchStatements holds each matchShape's text. Their number is bounded:
// a lookup's words are bounded by the length of its company's name.
var matchStatements sync.Map

// statement is the text of matchStatement for a lookup of this shape.
func (sh matchShape) statement() string {
	var ctes, found, rows []string
	if sh.tokens > 0 {
		ranked, _ := rankedTokenHits(sh.engine, make([]string, sh.tokens), 0)
		ctes = append(ctes, `hits AS MATERIALIZED (SELECT kind, ref_id FROM (`+ranked+`) AS ranked)`)
	}
	if sh.domain {
		found = append(found, `SELECT 'account' AS kind, account_id AS id FROM account_domains WHERE domain = ?`,
			`SELECT 'registration' AS kind, id FROM (SELECT id FROM registrations WHERE domain = ? LIMIT 50) AS rd`)
	}
	if sh.company {
		found = append(found, `SELECT 'account' AS kind, id FROM (SELECT id FROM accounts WHERE name_key = ? LIMIT 20) AS ak`,
			`SELECT 'registration' AS kind, id FROM (SELECT id FROM registrations WHERE company_key = ? LIMIT 50) AS rk`)
	}
	if sh.tokens > 0 {
		found = append(found, `SELECT kind, ref_id AS id FROM hits WHERE kind <> 'lead'`)
	}
	if len(found) > 0 {
		ctes = append(ctes, `found AS MATERIALIZED (`+strings.Join(found, " UNION ALL ")+`)`)
	}
	leadRows := func(search string) {
		rows = append(rows, fmt.Sprintf(`SELECT 'lead' AS kind, %s, '' AS root_id, '' AS domain FROM (%s) AS l%d`, leadCandidateColumns, search, len(rows)))
	}
	if sh.email {
		for _, byEmail := range leadsByEmail(leadSearchColumns) {
			leadRows(byEmail + ` ORDER BY id DESC LIMIT 20`)
		}
	}
	if sh.domain {
		leadRows(`SELECT ` + leadSearchColumns + ` FROM leads WHERE email_domain = ? AND status NOT IN ('converted', 'disqualified') ORDER BY id DESC LIMIT 20`)
	}
	if sh.company {
		leadRows(`SELECT ` + leadSearchColumns + ` FROM leads WHERE company_key = ? ORDER BY id DESC LIMIT 20`)
	}
	if sh.tokens > 0 {
		rows = append(rows, `SELECT 'lead', `+leadCandidateColumns+`, '', '' FROM leads WHERE id IN (SELECT ref_id FROM hits WHERE kind = 'lead')`)
	}
	if sh.email {
		rows = append(rows, `SELECT 'contact', c.id, c.email, a.name, 'contact', '', '', COALESCE(a.owner_partner_id, ''), '', '', ''
			FROM (SELECT id, email, account_id FROM contacts WHERE email = ? LIMIT 20) AS c JOIN accounts a ON a.id = c.account_id`)
	}
	if len(found) > 0 {
		rows = append(rows, `SELECT 'account', a.id, '', a.name, 'account', '', '', COALESCE(a.owner_partner_id, ''), '', a.root_id, COALESCE(d.domain, '')
			FROM accounts a LEFT JOIN account_domains d ON d.account_id = a.id WHERE a.id IN (SELECT id FROM found WHERE kind = 'account')`,
			`SELECT 'registration', id, '', '', '', '', '', '', '', '', '' FROM found WHERE kind = 'registration'`)
	}
	if len(rows) == 0 {
		return ""
	}
	text := strings.Join(rows, " UNION ALL ")
	if len(ctes) > 0 {
		text = "WITH " + strings.Join(ctes, ", ") + " " + text
	}
	return text
}

// MatchCandidates fetches candidates through indexes only, in one
// statement (matchStatement): e-mail on leads and contacts, domain on
// account_domains, leads' e-mail domains and registrations, the company
// key on accounts, leads and registrations, and the company-token index
// for near misses (bounded by q.Limit). The registrations found, if any,
// are read by a second statement.
func (tx *Tx) MatchCandidates(ctx context.Context, q leadrouter.MatchQuery) ([]leadrouter.MatchCandidate, error) {
	text, args := matchStatement(tx.db.engine, q)
	if text == "" {
		return nil, nil
	}
	rows, err := tx.Query(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("match candidates: %w", err)
	}
	defer rows.Close()
	leads := map[string]leadrouter.MatchCandidate{}
	contacts := map[string]leadrouter.MatchCandidate{}
	accounts := map[string]*leadrouter.MatchCandidate{}
	var regIDs []string
	for rows.Next() {
		var c leadrouter.MatchCandidate
		var ownerKind, ownerID, domain string
		if err := rows.Scan(&c.Kind, &c.ID, &c.Email, &c.Company, &c.Status, &ownerKind, &ownerID, &c.PartnerID, &c.Reserved, &c.RootID, &domain); err != nil {
			return nil, fmt.Errorf("match candidates: %w", err)
		}
		switch c.Kind {
		case "lead":
			c.Owner = ownerKind + ":" + ownerID
			leads[c.ID] = c
		case "contact":
			if c.PartnerID != "" {
				c.Owner = "partner:" + c.PartnerID
			}
			contacts[c.ID] = c
		case "account":
			a := accounts[c.ID]
			if a == nil {
				if c.PartnerID != "" {
					c.Owner = "partner:" + c.PartnerID
				}
				a = new(leadrouter.MatchCandidate)
				*a = c
				accounts[c.ID] = a
			}
			if domain != "" {
				a.Domains = append(a.Domains, domain)
			}
		case "registration":
			regIDs = append(regIDs, c.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("match candidates: %w", err)
	}
	rows.Close()
	out := make([]leadrouter.MatchCandidate, 0, len(leads)+len(contacts)+len(accounts)+len(regIDs))
	for _, id := range slices.Sorted(maps.Keys(leads)) {
		out = append(out, leads[id])
	}
	for _, id := range slices.Sorted(maps.Keys(contacts)) {
		out = append(out, contacts[id])
	}
	for _, id := range slices.Sorted(maps.Keys(accounts)) {
		a := accounts[id]
		sort.Strings(a.Domains)
		out = append(out, *a)
	}
	if err := tx.registrationCandidates(ctx, uniq(regIDs), func(c leadrouter.MatchCandidate) { out = append(out, c) }); err != nil {
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
// partner owning it or its hierarchy, in one statement
// (accountMatchStatement). ok is false when none matches.
func (tx *Tx) MatchAccount(ctx context.Context, domain, companyKey string) (m leadrouter.AccountMatch, ok bool, err error) {
	q, args := accountMatchStatement(domain, companyKey)
	if q == "" {
		return leadrouter.AccountMatch{}, false, nil
	}
	err = tx.QueryRow(ctx, q, args...).Scan(&m.ID, &m.OwnerPartnerID, &m.By)
	if isNoRows(err) {
		return leadrouter.AccountMatch{}, false, nil
	}
	if err != nil {
		return leadrouter.AccountMatch{}, false, fmt.Errorf("match account: %w", err)
	}
	return m, true, nil
}

// accountMatchStatement is MatchAccount's statement: the accounts owning
// domain and its parent domains, and the oldest account named companyKey,
// the longest domain first and the name last. "" when there is nothing to
// look for.
func accountMatchStatement(domain, companyKey string) (string, []any) {
	var domains []string
	for d := domain; strings.Contains(d, "."); _, d, _ = strings.Cut(d, ".") {
		domains = append(domains, d)
	}
	var parts []string
	var args []any
	if len(domains) > 0 {
		list, largs := inList(domains)
		parts = append(parts, `SELECT a.id, `+hierarchyOwnerOf+` AS owner, 'email_domain' AS matched_by, LENGTH(d.domain) AS weight
			FROM account_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain IN (`+list+`)`)
		args = append(args, largs...)
	}
	if companyKey != "" {
		parts = append(parts, `SELECT * FROM (SELECT a.id, `+hierarchyOwnerOf+` AS owner, 'company_name' AS matched_by, 0 AS weight
			FROM accounts a WHERE a.name_key = ? ORDER BY a.id LIMIT 1) AS n`)
		args = append(args, companyKey)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return `SELECT id, owner, matched_by FROM (` + strings.Join(parts, " UNION ALL ") + `) AS m ORDER BY weight DESC LIMIT 1`, args
}

// PartnerOwnsDomainOrUser reports whether email belongs to partnerID: its
// domain (or a parent domain) is one of the partner's own domains, or it is
// the e-mail of one of the partner's users (the self-referral guard).
func (tx *Tx) PartnerOwnsDomainOrUser(ctx context.Context, partnerID, email string) (bool, string, error) {
	q, args := selfReferralStatement(partnerID, email)
	var users, domains int
	if err := tx.QueryRow(ctx, q, args...).Scan(&users, &domains); err != nil {
		return false, "", fmt.Errorf("self-referral check: %w", err)
	}
	if users > 0 {
		return true, "the lead is a user of the crediting partner", nil
	}
	if domains > 0 {
		return true, "the lead's e-mail domain " + emailDomain(email) + " is the crediting partner's own", nil
	}
	return false, "", nil
}

// selfReferralStatement is PartnerOwnsDomainOrUser's one statement: how
// many of partnerID's users have email, and how many of its domains are
// the e-mail's domain or a parent of it, each through its key's index.
func selfReferralStatement(partnerID, email string) (string, []any) {
	q := `SELECT (SELECT COUNT(*) FROM users WHERE email = ? AND partner_id = ?)`
	args := []any{email, partnerID}
	var domains []string
	for d := emailDomain(email); strings.Contains(d, "."); _, d, _ = strings.Cut(d, ".") {
		domains = append(domains, d)
	}
	if len(domains) == 0 {
		return q + `, 0`, args
	}
	list, dargs := inList(domains)
	return q + `, (SELECT COUNT(*) FROM partner_domains WHERE domain IN (` + list + `) AND partner_id = ?)`, append(append(args, dargs...), partnerID)
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
