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

// searchLeads finds leads by their person (the name tokens and the phone
// the background indexer wrote, see personTokens, and the e-mail) and by
// their company (its key, any of its words, the e-mail domain): every part
// an index lookup, so a search costs the same at 1M leads as at 1k (a
// scan of the leads took over a second there). A lead stored in the last
// moments is found by e-mail, company key and domain at once, by name,
// phone and company words once the indexer has read it.
func (tx *Tx) searchLeads(ctx context.Context, actor leadrouter.Actor, t SearchTerms, limit int) ([]leadrouter.Lead, error) {
	vis, visArgs := leadVisibility(actor)
	person, personArgs := personParts("lead", "leads", t)
	company := []string{`SELECT id FROM leads WHERE company_key = ?`}
	companyArgs := []any{tx.companyKey(t.Text)}
	for _, w := range tx.companyWords(t.Text) {
		company = append(company, `SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'lead'`)
		companyArgs = append(companyArgs, w)
	}
	if t.Domain != "" {
		company = append(company, `SELECT id FROM leads WHERE email_domain = ?`)
		companyArgs = append(companyArgs, t.Domain)
	}
	parts, args := append(person, company...), append(personArgs, companyArgs...)
	if !actor.IsStaff() {
		// Each part among the leads the reader sees (so that the newest of
		// each still hold the newest of all); a person's only where the
		// reader may see the contact: a partner may not learn that a
		// person it cannot see is a lead's. (Every part takes one argument.)
		parts, args = make([]string, 0, len(person)+len(company)), make([]any, 0, len(args)*(len(visArgs)+4))
		for i, part := range person {
			parts = append(parts, `SELECT id FROM leads WHERE id IN (`+part+`) AND `+vis+` AND consent_share = ? AND (owner_partner_id = ? OR handoff_partner_id = ?)`)
			args = append(append(append(args, personArgs[i]), visArgs...), true, actor.PartnerID, actor.PartnerID)
		}
		for i, part := range company {
			parts = append(parts, `SELECT id FROM leads WHERE id IN (`+part+`) AND `+vis)
			args = append(append(args, companyArgs[i]), visArgs...)
		}
	}
	q := `SELECT ` + leadColumns + ` FROM leads WHERE id IN (` + newestOfEach(parts, limit) + `) ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, tx, "search leads", scanLead, q, args...)
}

// searchContacts finds contacts by their person tokens (written with
// the contact) and e-mail; only staff search contacts.
func (tx *Tx) searchContacts(ctx context.Context, t SearchTerms, limit int) ([]leadrouter.Contact, error) {
	parts, args := personParts("contact", "contacts", t)
	return queryAll(ctx, tx, "search contacts", scanContact, `SELECT `+contactColumns+` FROM contacts WHERE id IN (`+newestOfEach(parts, limit)+`) ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

// searchAccounts finds accounts by name (its key or any of its words) and
// domain; only staff search accounts.
func (tx *Tx) searchAccounts(ctx context.Context, t SearchTerms, limit int) ([]leadrouter.Account, error) {
	parts := []string{`SELECT id FROM accounts WHERE name_key = ?`}
	args := []any{tx.companyKey(t.Text)}
	for _, w := range tx.companyWords(t.Text) {
		parts = append(parts, `SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'account'`)
		args = append(args, w)
	}
	if t.Domain != "" {
		parts = append(parts, `SELECT account_id FROM account_domains WHERE domain = ?`)
		args = append(args, t.Domain)
	}
	return queryAll(ctx, tx, "search accounts", scanAccount, `SELECT `+accountColumns+` FROM accounts WHERE id IN (`+newestOfEach(parts, limit)+`) ORDER BY id DESC LIMIT ?`, append(args, limit)...)
}

// personParts select the ids of the records of kind ("lead", "contact",
// in table) whose person t names: by a name token, the e-mail or a phone
// token (see personTokens).
func personParts(kind, table string, t SearchTerms) ([]string, []any) {
	token := `SELECT ref_id FROM company_tokens WHERE token = ? AND kind = '` + kind + `'`
	parts, args := []string{token, `SELECT id FROM ` + table + ` WHERE email = ?`}, []any{personNameToken + t.Text, t.Text}
	if table == "leads" {
		byEmail := leadsByEmail("id")
		parts, args = []string{token, byEmail[0], byEmail[1]}, []any{personNameToken + t.Text, t.Text, t.Text}
	}
	if t.Phone != "" {
		parts, args = append(parts, token), append(args, personPhoneToken+t.Phone)
	}
	return parts, args
}

// newestOfEach unites the ids each of parts selects, only the newest limit
// of each: they hold the newest limit of all (so no filter may follow:
// each part selects only what the reader may find), and a common word
// reads no more than those.
func newestOfEach(parts []string, limit int) string {
	out := make([]string, len(parts))
	for i, part := range parts {
		out[i] = fmt.Sprintf(`SELECT * FROM (%s ORDER BY 1 DESC LIMIT %d) AS p%d`, part, limit, i)
	}
	return strings.Join(out, " UNION ")
}

// searchRegistrations finds registrations by company key, contact e-mail
// and domain: for staff each an index lookup reading only its newest, for
// a partner among its own registrations.
func (tx *Tx) searchRegistrations(ctx context.Context, actor leadrouter.Actor, t SearchTerms, limit int) ([]leadrouter.Registration, error) {
	vis, visArgs := registrationVisibility(actor)
	parts := []string{`SELECT id FROM registrations WHERE company_key = ?`, `SELECT id FROM registrations WHERE contact_email = ?`}
	args := []any{tx.companyKey(t.Text), t.Text}
	if t.Domain != "" {
		parts = append(parts, `SELECT id FROM registrations WHERE domain = ?`)
		args = append(args, t.Domain)
	}
	ids := strings.Join(parts, " UNION ")
	if actor.IsStaff() {
		ids = newestOfEach(parts, limit)
	}
	return queryAll(ctx, tx, "search registrations", scanRegistration,
		`SELECT `+registrationColumns+` FROM registrations WHERE id IN (`+ids+`) AND `+vis+` ORDER BY id DESC LIMIT ?`, append(append(args, visArgs...), limit)...)
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
