package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// ProspectQuery is what a registration's conflict search looks up, each
// through an index. Hosts are the registration's host and its parent
// domains down to the registrable one (account domains may be subdomains).
type ProspectQuery struct {
	Hosts      []string
	Domain     string // registrable domain: leads' e-mail domains, registrations
	CompanyKey string
	Tokens     []string
	// EmailHosts are the contact e-mail's host and its parent domains down
	// to EmailDomain, its registrable domain (both empty for free mail):
	// looked up like Hosts and Domain, the records found through them
	// marked "email_domain".
	EmailHosts  []string
	EmailDomain string
	// ExcludeID leaves one registration out (the one being decided).
	ExcludeID string
	// TokenLimit bounds the near-miss candidates (default 40).
	TokenLimit int
}

// ProspectAccount is an account the search found.
type ProspectAccount struct {
	ID             string
	Name           string
	NameKey        string
	Domains        []string
	ParentID       string
	RootID         string
	OwnerPartnerID string
	// Via says which index found it: domain, company, tokens, contact,
	// lead or hierarchy.
	Via string
}

// ProspectLead is a lead the search found (no contact details).
type ProspectLead struct {
	ID                string
	Status            leadrouter.LeadStatus
	Company           string
	CompanyKey        string
	Email             string // for matching only; never shown to partners
	OwnerKind         leadrouter.OwnerKind
	OwnerID           string
	OwnerPartnerID    string
	ReservedPartnerID string
	HandoffPartnerID  string
	AccountID         string
	Via               string
}

// ProspectContact is a contact the search found (no contact details but
// the e-mail, used for matching only).
type ProspectContact struct {
	ID          string
	AccountID   string
	AccountName string
	Email       string
}

// ProspectOpportunity is an opportunity at a found account or of a found
// lead.
type ProspectOpportunity struct {
	ID                string
	LeadID            string
	AccountID         string
	Name              string
	Status            leadrouter.OpportunityStatus
	PartnerID         string
	ReservedPartnerID string
}

// ProspectCandidates are the direct candidates of a ProspectQuery.
type ProspectCandidates struct {
	Accounts      []ProspectAccount
	Leads         []ProspectLead
	Contacts      []ProspectContact
	Registrations []leadrouter.Registration
}

// ProspectCandidates fetches the accounts, leads, contacts and live
// (pending or approved) registrations that may be the prospect, through
// indexes only: account domains, leads' e-mail domains, registrations'
// domains (for the prospect's domain and the contact e-mail's), the company
// key of accounts, leads and registrations, the exact contact e-mail on
// leads and contacts, and the company-token index for near misses.
func (tx *Tx) ProspectCandidates(ctx context.Context, q ProspectQuery) (ProspectCandidates, error) {
	var out ProspectCandidates
	accountVia, leadVia := map[string]string{}, map[string]string{}
	var accountIDs, leadIDs, contactIDs, regIDs []string
	addAccount := func(id, via string) {
		if _, ok := accountVia[id]; !ok {
			accountVia[id] = via
			accountIDs = append(accountIDs, id)
		}
	}
	addLead := func(id, via string) {
		if _, ok := leadVia[id]; !ok {
			leadVia[id] = via
			leadIDs = append(leadIDs, id)
		}
	}
	collect := func(what, query string, args ...any) ([]string, error) { return tx.queryIDs(ctx, what, query, args...) }
	// The registration's hosts, then the contact e-mail's, each looked up
	// in account domains and leads' e-mail domains.
	for _, by := range []struct {
		hosts  []string
		reason string
	}{{q.Hosts, "domain"}, {q.EmailHosts, "email_domain"}} {
		for _, host := range by.hosts {
			ids, err := collect("accounts by "+by.reason, `SELECT account_id FROM account_domains WHERE domain = ?`, host)
			if err != nil {
				return out, err
			}
			for _, id := range ids {
				addAccount(id, by.reason)
			}
			if ids, err = collect("leads by "+by.reason, `SELECT id FROM leads WHERE email_domain = ? ORDER BY id DESC LIMIT 50`, host); err != nil {
				return out, err
			}
			for _, id := range ids {
				addLead(id, by.reason)
			}
		}
	}
	for _, domain := range uniq([]string{q.Domain, q.EmailDomain}) {
		if domain == "" {
			continue
		}
		ids, err := collect("registrations by domain", `SELECT id FROM registrations WHERE domain = ? AND status IN ('approved', 'pending') ORDER BY id DESC LIMIT 100`, domain)
		if err != nil {
			return out, err
		}
		regIDs = append(regIDs, ids...)
	}
	if q.CompanyKey != "" {
		ids, err := collect("accounts by name", `SELECT id FROM accounts WHERE name_key = ? ORDER BY id LIMIT 50`, q.CompanyKey)
		if err != nil {
			return out, err
		}
		for _, id := range ids {
			addAccount(id, "company")
		}
		if ids, err = collect("leads by name", `SELECT id FROM leads WHERE company_key = ? ORDER BY id DESC LIMIT 50`, q.CompanyKey); err != nil {
			return out, err
		}
		for _, id := range ids {
			addLead(id, "company")
		}
		if ids, err = collect("registrations by name", `SELECT id FROM registrations WHERE company_key = ? AND status IN ('approved', 'pending') ORDER BY id DESC LIMIT 100`, q.CompanyKey); err != nil {
			return out, err
		}
		regIDs = append(regIDs, ids...)
	}
	if len(q.Tokens) > 0 {
		limit := q.TokenLimit
		if limit <= 0 {
			limit = 40
		}
		hits, err := tx.tokenHits(ctx, q.Tokens, limit)
		if err != nil {
			return out, fmt.Errorf("candidates by company tokens: %w", err)
		}
		for _, h := range hits {
			switch h.kind {
			case "account":
				addAccount(h.id, "tokens")
			case "lead":
				addLead(h.id, "tokens")
			case "contact":
				contactIDs = append(contactIDs, h.id)
			case "registration":
				regIDs = append(regIDs, h.id)
			}
		}
	}
	// The candidates' rows: one statement for each kind, whatever their
	// number, in the order they were found.
	var err error
	if out.Contacts, err = readInOrder(ctx, tx, "contact candidates", `SELECT c.id, c.account_id, a.name, c.email FROM contacts c
		JOIN accounts a ON a.id = c.account_id WHERE `, nil, "c.id", uniq(contactIDs), func(r *sql.Rows) (ProspectContact, string, error) {
		var c ProspectContact
		err := r.Scan(&c.ID, &c.AccountID, &c.AccountName, &c.Email)
		return c, c.ID, err
	}); err != nil {
		return out, err
	}
	if out.Leads, err = readInOrder(ctx, tx, "lead candidates", `SELECT id, status, company, company_key, email, owner_kind, owner_id,
		COALESCE(owner_partner_id, ''), COALESCE(reserved_partner_id, ''), COALESCE(handoff_partner_id, ''), COALESCE(account_id, '')
		FROM leads WHERE `, nil, "id", leadIDs, func(r *sql.Rows) (ProspectLead, string, error) {
		var l ProspectLead
		err := r.Scan(&l.ID, &l.Status, &l.Company, &l.CompanyKey, &l.Email, &l.OwnerKind, &l.OwnerID, &l.OwnerPartnerID, &l.ReservedPartnerID,
			&l.HandoffPartnerID, &l.AccountID)
		l.Via = leadVia[l.ID]
		return l, l.ID, err
	}); err != nil {
		return out, err
	}
	if out.Accounts, err = tx.ProspectAccounts(ctx, accountIDs); err != nil {
		return out, err
	}
	for i := range out.Accounts {
		out.Accounts[i].Via = accountVia[out.Accounts[i].ID]
	}
	var regs []string
	for _, id := range uniq(regIDs) {
		if id != q.ExcludeID {
			regs = append(regs, id)
		}
	}
	if out.Registrations, err = readInOrder(ctx, tx, "registration candidates", `SELECT `+registrationColumns+` FROM registrations WHERE `, nil, "id", regs,
		func(r *sql.Rows) (leadrouter.Registration, string, error) {
			reg, err := scanRegistration(r)
			return reg, reg.ID, err
		}); err != nil {
		return out, err
	}
	return out, nil
}

// readInOrder reads the rows whose column is one of ids with query (which
// ends in WHERE, or in a condition of its own with args and AND) in one
// statement, and returns them in the order of ids; an id no row has is
// left out.
func readInOrder[T any](ctx context.Context, tx *Tx, what, query string, args []any, column string, ids []string,
	scan func(*sql.Rows) (T, string, error)) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, idArgs := tx.idIn(column, ids)
	rows, err := tx.Query(ctx, query+cond, append(slices.Clip(args), idArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	byID := make(map[string]T, len(ids))
	for rows.Next() {
		v, id, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		byID[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	out := make([]T, 0, len(byID))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// ProspectAccounts reads the accounts with ids as the conflict search
// sees them, with their domains, in two statements, in the order of ids
// (an unknown id is left out).
func (tx *Tx) ProspectAccounts(ctx context.Context, ids []string) ([]ProspectAccount, error) {
	out, err := readInOrder(ctx, tx, "account candidates", `SELECT id, name, name_key, COALESCE(parent_id, ''), root_id,
		COALESCE(owner_partner_id, '') FROM accounts WHERE `, nil, "id", ids, func(r *sql.Rows) (ProspectAccount, string, error) {
		a := ProspectAccount{Domains: []string{}}
		err := r.Scan(&a.ID, &a.Name, &a.NameKey, &a.ParentID, &a.RootID, &a.OwnerPartnerID)
		return a, a.ID, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	cond, args := tx.idIn("account_id", ids)
	rows, err := tx.Query(ctx, `SELECT account_id, domain FROM account_domains WHERE `+cond+` ORDER BY domain`, args...)
	if err != nil {
		return nil, fmt.Errorf("read account candidates' domains: %w", err)
	}
	defer rows.Close()
	at := make(map[string]int, len(out))
	for i, a := range out {
		at[a.ID] = i
	}
	for rows.Next() {
		var id, domain string
		if err := rows.Scan(&id, &domain); err != nil {
			return nil, fmt.Errorf("read account candidates' domains: %w", err)
		}
		if i, ok := at[id]; ok {
			out[i].Domains = append(out[i].Domains, domain)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read account candidates' domains: %w", err)
	}
	return out, nil
}

// ProspectAccount returns one account as the conflict search sees it.
func (tx *Tx) ProspectAccount(ctx context.Context, id string) (ProspectAccount, error) {
	found, err := tx.ProspectAccounts(ctx, []string{id})
	if err == nil && len(found) == 0 {
		err = leadrouter.Errorf(leadrouter.ENOTFOUND, "Account not found.")
	}
	if err != nil {
		return ProspectAccount{}, fmt.Errorf("read account candidate: %w", err)
	}
	return found[0], nil
}

// AccountHierarchy returns every account sharing rootID (at most 500), the
// root first.
func (tx *Tx) AccountHierarchy(ctx context.Context, rootID string) ([]ProspectAccount, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, name_key, COALESCE(parent_id, ''), root_id, COALESCE(owner_partner_id, '') FROM accounts
		WHERE root_id = ? ORDER BY id LIMIT 500`, rootID)
	if err != nil {
		return nil, fmt.Errorf("account hierarchy: %w", err)
	}
	var out []ProspectAccount
	for rows.Next() {
		var a ProspectAccount
		if err := rows.Scan(&a.ID, &a.Name, &a.NameKey, &a.ParentID, &a.RootID, &a.OwnerPartnerID); err != nil {
			rows.Close()
			return nil, err
		}
		a.Via = "hierarchy"
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y ProspectAccount) int {
		switch {
		case x.ID == rootID:
			return -1
		case y.ID == rootID:
			return 1
		}
		return 0
	})
	return out, nil
}

const prospectOpportunityColumns = `id, lead_id, account_id, name, status, COALESCE(partner_id, ''), COALESCE(reserved_partner_id, '')`

func scanProspectOpportunities(rows *sql.Rows) ([]ProspectOpportunity, error) {
	defer rows.Close()
	var out []ProspectOpportunity
	for rows.Next() {
		var o ProspectOpportunity
		if err := rows.Scan(&o.ID, &o.LeadID, &o.AccountID, &o.Name, &o.Status, &o.PartnerID, &o.ReservedPartnerID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OpenOpportunitiesAt returns the open opportunities (not won or lost) at
// any of accountIDs or converted from any of leadIDs, by id (at most 500),
// in one statement: each list searched through its own index.
func (tx *Tx) OpenOpportunitiesAt(ctx context.Context, accountIDs, leadIDs []string) ([]ProspectOpportunity, error) {
	var parts []string
	var args []any
	for _, by := range []struct {
		column string
		ids    []string
	}{{"account_id", accountIDs}, {"lead_id", leadIDs}} {
		if len(by.ids) > 0 {
			cond, a := tx.idIn(by.column, by.ids)
			parts = append(parts, `SELECT `+prospectOpportunityColumns+` FROM opportunities WHERE `+cond+` AND status NOT IN ('won', 'lost')`)
			args = append(args, a...)
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT * FROM (`+strings.Join(parts, " UNION ")+`) AS o ORDER BY id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("open opportunities: %w", err)
	}
	return scanProspectOpportunities(rows)
}
