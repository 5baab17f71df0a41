package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// SearchTerms is one search box's text read every way it may be meant:
// the store looks each up where it is indexed or cheap to compare.
type SearchTerms struct {
	// Text is the text as typed, trimmed and lower case: a person's last
	// name, "first last", an e-mail address.
	Text string
	// Phone is the text as an E.164 number, if it reads as one.
	Phone string
	// Domain is the domain of an e-mail address or the text as a domain.
	Domain string
}

// SearchHits are the records a search found, by kind, each list newest
// first and at most the limit long.
type SearchHits struct {
	Leads         []leadrouter.Lead
	Contacts      []leadrouter.Contact
	Accounts      []leadrouter.Account
	Registrations []leadrouter.Registration
}

// Search finds leads, contacts, accounts and registrations by name,
// e-mail, company, phone or domain, as actor may see them: partners find
// only their own leads (and by a person's name, e-mail or phone only
// those whose contact details they may see) and their own registrations,
// never contacts or accounts.
func (tx *Tx) Search(ctx context.Context, actor leadrouter.Actor, t SearchTerms, limit int) (SearchHits, error) {
	var out SearchHits
	limit = clampLimit(limit)
	if t.Text == "" {
		return out, nil
	}
	var err error
	if out.Leads, err = tx.searchLeads(ctx, actor, t, limit); err != nil {
		return out, err
	}
	if out.Registrations, err = tx.searchRegistrations(ctx, actor, t, limit); err != nil {
		return out, err
	}
	if !actor.IsStaff() {
		return out, nil
	}
	if out.Contacts, err = tx.searchContacts(ctx, t, limit); err != nil {
		return out, err
	}
	out.Accounts, err = tx.searchAccounts(ctx, t, limit)
	return out, err
}

// personMatch is the SQL that finds a person by name, e-mail or phone in
// a table with first_name, last_name, email and the phone column given.
func personMatch(t SearchTerms, phoneColumn string) (string, []any) {
	conds := []string{`lower(last_name) = ?`, `lower(first_name) = ?`, `lower(first_name || ' ' || last_name) = ?`, `email = ?`}
	args := []any{t.Text, t.Text, t.Text, t.Text}
	if t.Phone != "" {
		conds = append(conds, phoneColumn+` = ?`)
		args = append(args, t.Phone)
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

func (tx *Tx) searchLeads(ctx context.Context, actor leadrouter.Actor, t SearchTerms, limit int) ([]leadrouter.Lead, error) {
	vis, visArgs := leadVisibility(actor)
	person, personArgs := personMatch(t, "phone_e164")
	if actor.IsPartner() {
		// A partner may not learn that a person it cannot see is a lead's.
		person += ` AND consent_share = ? AND (owner_partner_id = ? OR handoff_partner_id = ?)`
		personArgs = append(personArgs, true, actor.PartnerID, actor.PartnerID)
	}
	company := []string{`company_key = ?`}
	companyArgs := []any{tx.companyKey(t.Text)}
	for _, w := range tx.companyWords(t.Text) {
		company = append(company, `id IN (SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'lead')`)
		companyArgs = append(companyArgs, w)
	}
	if t.Domain != "" {
		company = append(company, `email_domain = ?`)
		companyArgs = append(companyArgs, t.Domain)
	}
	q := `SELECT ` + leadColumns + ` FROM leads WHERE ` + vis + ` AND (` + person + ` OR (` + strings.Join(company, " OR ") + `)) ORDER BY id DESC LIMIT ?`
	args := append(append(append(visArgs, personArgs...), companyArgs...), limit)
	return queryAll(ctx, tx, "search leads", scanLead, q, args...)
}

func (tx *Tx) searchContacts(ctx context.Context, t SearchTerms, limit int) ([]leadrouter.Contact, error) {
	person, args := personMatch(t, "phone")
	return queryAll(ctx, tx, "search contacts", scanContact, `SELECT `+contactColumns+` FROM contacts WHERE `+person+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

func (tx *Tx) searchAccounts(ctx context.Context, t SearchTerms, limit int) ([]leadrouter.Account, error) {
	conds := []string{`name_key = ?`}
	args := []any{tx.companyKey(t.Text)}
	for _, w := range tx.companyWords(t.Text) {
		conds = append(conds, `id IN (SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'account')`)
		args = append(args, w)
	}
	if t.Domain != "" {
		conds = append(conds, `id IN (SELECT account_id FROM account_domains WHERE domain = ?)`)
		args = append(args, t.Domain)
	}
	return queryAll(ctx, tx, "search accounts", scanAccount, `SELECT `+accountColumns+` FROM accounts WHERE `+strings.Join(conds, " OR ")+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

func (tx *Tx) searchRegistrations(ctx context.Context, actor leadrouter.Actor, t SearchTerms, limit int) ([]leadrouter.Registration, error) {
	vis, args := registrationVisibility(actor)
	conds := []string{`company_key = ?`, `contact_email = ?`}
	args = append(args, tx.companyKey(t.Text), t.Text)
	if t.Domain != "" {
		conds = append(conds, `domain = ?`)
		args = append(args, t.Domain)
	}
	return queryAll(ctx, tx, "search registrations", scanRegistration,
		`SELECT `+registrationColumns+` FROM registrations WHERE `+vis+` AND (`+strings.Join(conds, " OR ")+`) ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

// queryAll runs a query and scans every row (what names the query in an
// error).
func queryAll[T any](ctx context.Context, tx *Tx, what string, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return collect(rows, scan)
}
