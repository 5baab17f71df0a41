package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Registration statuses (W7).
const (
	RegistrationApproved = "approved"
	RegistrationPending  = "pending"
	RegistrationRejected = "rejected"
	RegistrationExpired  = "expired"
)

// Registration flags (W7).
const (
	FlagGreen  = "green"
	FlagYellow = "yellow"
	FlagRed    = "red"
)

// Registration is a partner's claim on a prospect account ("deal
// registration") as stored: the flag its conflict search gave, its status,
// the partner-safe reasons and the staff-only conflict detail.
type Registration struct {
	ID           string
	PartnerID    string
	CreatedBy    string
	Company      string
	CompanyKey   string
	Domain       string
	Country      string
	ContactEmail string
	Note         string
	Flag         string
	Status       string
	// Reasons are fit for the partner: a kind and a message naming no
	// other partner and no contact.
	Reasons []RegistrationReason
	// Conflicts are the records the search found, for staff.
	Conflicts          []RegistrationConflict
	AccountID          string
	ExpiresAt          *time.Time
	ExtensionRequested bool
	Extended           bool
	DecidedBy          string
	DecidedAt          *time.Time
	DecisionReason     string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// EffectiveStatus is the status as of now: an approved registration whose
// expiry has passed is expired even before the expiry job has marked it.
func (r Registration) EffectiveStatus(now time.Time) string {
	if r.Status == RegistrationApproved && r.ExpiresAt != nil && !r.ExpiresAt.After(now) {
		return RegistrationExpired
	}
	return r.Status
}

// Active reports whether the registration still holds its prospect at now:
// approved and unexpired, or pending.
func (r Registration) Active(now time.Time) bool {
	s := r.EffectiveStatus(now)
	return s == RegistrationApproved || s == RegistrationPending
}

// AccountAction is how the registration came by its account: "claimed"
// (it set the owner), "created", "own" (the partner owned it already) or "".
func (r Registration) AccountAction() string {
	if r.AccountID == "" {
		return ""
	}
	for _, c := range r.Conflicts {
		if c.Kind == "account" && c.ID == r.AccountID {
			switch c.Effect {
			case EffectClaimed, EffectCreated, EffectOwn:
				return c.Effect
			}
		}
	}
	return ""
}

// RegistrationReason is one reason for a flag, fit for the partner.
type RegistrationReason struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Effects a conflict has on a registration.
const (
	EffectRed     = "red"
	EffectYellow  = "yellow"
	EffectOwn     = "own"     // the registering partner's own record
	EffectNone    = "none"    // found, but no conflict (e.g. a contact linking an account)
	EffectClaimed = "claimed" // the account the registration claimed for its partner
	EffectCreated = "created" // the account the registration created for its partner
)

// RegistrationConflict is one record the conflict search found, with why it
// matched and what it did to the flag. Staff see these; partners never do.
type RegistrationConflict struct {
	Kind        string     `json:"kind"` // account, lead, contact, opportunity, registration
	ID          string     `json:"id"`
	Name        string     `json:"name,omitempty"`
	Match       []string   `json:"match"` // email, domain, company, similar_company, hierarchy, account, lead
	Score       float64    `json:"score"`
	Certain     bool       `json:"certain"`
	Effect      string     `json:"effect"`
	Reason      string     `json:"reason,omitempty"` // the reason kind it raised
	Status      string     `json:"status,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	PartnerID   string     `json:"partner_id,omitempty"`
	PartnerName string     `json:"partner_name,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

const registrationColumns = `id, partner_id, created_by, company, company_key, domain, country, contact_email, note, flag, status,
	reasons, conflicts, COALESCE(account_id, ''), expires_at, extension_requested, extended, decided_by, decided_at, decision_reason,
	created_at, updated_at`

func scanRegistration(s interface{ Scan(...any) error }) (Registration, error) {
	var r Registration
	var reasons, conflicts string
	var expiresAt, decidedAt sql.NullTime
	err := s.Scan(&r.ID, &r.PartnerID, &r.CreatedBy, &r.Company, &r.CompanyKey, &r.Domain, &r.Country, &r.ContactEmail, &r.Note,
		&r.Flag, &r.Status, &reasons, &conflicts, &r.AccountID, &expiresAt, &r.ExtensionRequested, &r.Extended, &r.DecidedBy,
		&decidedAt, &r.DecisionReason, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	if expiresAt.Valid {
		t := expiresAt.Time.UTC()
		r.ExpiresAt = &t
	}
	if decidedAt.Valid {
		t := decidedAt.Time.UTC()
		r.DecidedAt = &t
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
		return r, fmt.Errorf("decode registration reasons: %w", err)
	}
	if err := json.Unmarshal([]byte(conflicts), &r.Conflicts); err != nil {
		return r, fmt.Errorf("decode registration conflicts: %w", err)
	}
	if r.Reasons == nil {
		r.Reasons = []RegistrationReason{}
	}
	if r.Conflicts == nil {
		r.Conflicts = []RegistrationConflict{}
	}
	return r, nil
}

// registrationVisibility limits partner users to their own partner's
// registrations; staff see all.
func registrationVisibility(actor leadrouter.Actor) (string, []any) {
	switch {
	case actor.IsStaff():
		return "1 = 1", nil
	case actor.IsPartner() && actor.PartnerID != "":
		return "partner_id = ?", []any{actor.PartnerID}
	}
	return "1 = 0", nil
}

// LockRegistrationKeys upserts and so row-locks one registration_locks row
// per key, in sorted order, until the transaction ends: two transactions
// searching one prospect (same domain or company key) are serialised on
// PostgreSQL across server processes; SQLite serialises writers anyway.
// Call it before the conflict search.
func (tx *Tx) LockRegistrationKeys(ctx context.Context, keys []string) error {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, k := range sorted {
		if k == "" {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO registration_locks (key, n) VALUES (?, 1)
			ON CONFLICT (key) DO UPDATE SET n = registration_locks.n + 1`, k); err != nil {
			return fmt.Errorf("lock registration key: %w", err)
		}
	}
	return nil
}

// InsertRegistration stores a new registration and indexes its company name
// for near-miss matching.
func (tx *Tx) InsertRegistration(ctx context.Context, r *Registration) error {
	if r.ID == "" {
		r.ID = leadrouter.NewID("reg")
	}
	r.CreatedAt, r.UpdatedAt = tx.now, tx.now
	r.CompanyKey = companyKey(r.Company)
	reasons, conflicts, err := encodeRegistrationDetail(r)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO registrations (id, partner_id, created_by, company, company_key, domain, country, contact_email,
		note, flag, status, reasons, conflicts, account_id, expires_at, extension_requested, extended, decided_by, decided_at, decision_reason,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PartnerID, r.CreatedBy, r.Company, r.CompanyKey, r.Domain, r.Country, r.ContactEmail, r.Note, r.Flag, r.Status,
		reasons, conflicts, nullString(r.AccountID), regNullTime(r.ExpiresAt), r.ExtensionRequested, r.Extended, r.DecidedBy,
		regNullTime(r.DecidedAt), r.DecisionReason, r.CreatedAt, r.UpdatedAt); err != nil {
		return fmt.Errorf("insert registration: %w", err)
	}
	return tx.indexCompany(ctx, "registration", r.ID, r.Company)
}

// UpdateRegistration writes back a registration's decision: flag, status,
// reasons, conflicts, account, expiry, extension state and who decided.
func (tx *Tx) UpdateRegistration(ctx context.Context, r *Registration) error {
	r.UpdatedAt = tx.now
	reasons, conflicts, err := encodeRegistrationDetail(r)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE registrations SET flag = ?, status = ?, reasons = ?, conflicts = ?, account_id = ?, expires_at = ?,
		extension_requested = ?, extended = ?, decided_by = ?, decided_at = ?, decision_reason = ?, updated_at = ? WHERE id = ?`,
		r.Flag, r.Status, reasons, conflicts, nullString(r.AccountID), regNullTime(r.ExpiresAt), r.ExtensionRequested, r.Extended,
		r.DecidedBy, regNullTime(r.DecidedAt), r.DecisionReason, r.UpdatedAt, r.ID)
	if err != nil {
		return fmt.Errorf("update registration %s: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "Registration not found.")
	}
	return nil
}

func encodeRegistrationDetail(r *Registration) (string, string, error) {
	if r.Reasons == nil {
		r.Reasons = []RegistrationReason{}
	}
	if r.Conflicts == nil {
		r.Conflicts = []RegistrationConflict{}
	}
	reasons, err := json.Marshal(r.Reasons)
	if err != nil {
		return "", "", fmt.Errorf("encode registration reasons: %w", err)
	}
	conflicts, err := json.Marshal(r.Conflicts)
	if err != nil {
		return "", "", fmt.Errorf("encode registration conflicts: %w", err)
	}
	return string(reasons), string(conflicts), nil
}

func regNullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// Registration returns one registration as actor may see it: a partner
// only its own (ENOTFOUND for any other, so that existence is not
// disclosed).
func (tx *Tx) Registration(ctx context.Context, actor leadrouter.Actor, id string) (Registration, error) {
	cond, args := registrationVisibility(actor)
	r, err := scanRegistration(tx.QueryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	return r, notFound(err, "Registration")
}

// RegistrationForUpdate returns a registration as Registration does,
// locking its row until the transaction ends (PostgreSQL).
func (tx *Tx) RegistrationForUpdate(ctx context.Context, actor leadrouter.Actor, id string) (Registration, error) {
	cond, args := registrationVisibility(actor)
	r, err := scanRegistration(tx.QueryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ? AND `+cond+tx.forUpdate(), append([]any{id}, args...)...))
	return r, notFound(err, "Registration")
}

// RegistrationFilter selects registrations for a list; zero fields do not
// filter. Status compares the effective status (an approved registration
// past its expiry is listed as expired).
type RegistrationFilter struct {
	Status    string
	PartnerID string
	// ExtensionRequested lists only registrations whose extension request
	// waits for Partner Relations.
	ExtensionRequested bool
	Limit              int
	Cursor             string
}

// Registrations lists the registrations actor may see, newest first.
func (tx *Tx) Registrations(ctx context.Context, actor leadrouter.Actor, f RegistrationFilter) (Page[Registration], error) {
	limit := clampLimit(f.Limit)
	cond, args := registrationVisibility(actor)
	q := `SELECT ` + registrationColumns + ` FROM registrations WHERE ` + cond
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	switch f.Status {
	case "":
	case RegistrationApproved:
		q += ` AND status = 'approved' AND expires_at > ?`
		args = append(args, tx.now)
	case RegistrationExpired:
		q += ` AND (status = 'expired' OR (status = 'approved' AND expires_at <= ?))`
		args = append(args, tx.now)
	default:
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.PartnerID != "" {
		q += ` AND partner_id = ?`
		args = append(args, f.PartnerID)
	}
	if f.ExtensionRequested {
		q += ` AND extension_requested = ? AND status = 'approved' AND expires_at > ?`
		args = append(args, true, tx.now)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[Registration]{}, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var items []Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return Page[Registration]{}, err
		}
		items = append(items, r)
	}
	return cut(items, limit, func(r Registration) string { return r.ID }), rows.Err()
}

// DueRegistrations returns up to limit approved registrations whose expiry
// is at or before now, locked for the expiry job.
func (tx *Tx) DueRegistrations(ctx context.Context, limit int) ([]Registration, error) {
	rows, err := tx.Query(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE status = 'approved' AND expires_at <= ?
		ORDER BY expires_at, id LIMIT ?`+tx.forUpdate(), tx.now, limit)
	if err != nil {
		return nil, fmt.Errorf("due registrations: %w", err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RegistrationsOfAccount returns partnerID's registrations linked to
// accountID (the registrations that may have given it the account).
func (tx *Tx) RegistrationsOfAccount(ctx context.Context, partnerID, accountID string) ([]Registration, error) {
	rows, err := tx.Query(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE partner_id = ? AND account_id = ? ORDER BY id DESC LIMIT 100`,
		partnerID, accountID)
	if err != nil {
		return nil, fmt.Errorf("registrations of account: %w", err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetAccountOwner changes an account's owning partner from wantOwner ("" for
// none) to newOwner ("" to release it). When the owner changed meanwhile it
// fails with a transient error that Update retries. The caller appends the timeline events.
func (tx *Tx) SetAccountOwner(ctx context.Context, accountID, wantOwner, newOwner string) error {
	res, err := tx.Exec(ctx, `UPDATE accounts SET owner_partner_id = ?, updated_at = ? WHERE id = ? AND COALESCE(owner_partner_id, '') = ?`,
		nullString(newOwner), tx.now, accountID, wantOwner)
	if err != nil {
		return fmt.Errorf("set account owner: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		// Another transaction (the expiry job, an admin) changed the owner
		// after the search read it: Update runs the workflow again.
		return errRetry{leadrouter.Errorf(leadrouter.ECONFLICT, "The account's owner changed meanwhile; try again.")}
	}
	return nil
}

// CreateRegistrationAccount stores the account a registration creates for
// its partner (no role check: the registration workflow made its own).
func (tx *Tx) CreateRegistrationAccount(ctx context.Context, actor leadrouter.Actor, in leadrouter.NewAccount) (leadrouter.Account, error) {
	return tx.createAccount(ctx, actor, in)
}

// PartnerNames returns the names of the partners with ids (for staff views).
func (tx *Tx) PartnerNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := out[id]; ok {
			continue
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM partners WHERE id = ?`, id).Scan(&name); err != nil && !isNoRows(err) {
			return nil, fmt.Errorf("partner name: %w", err)
		}
		out[id] = name
	}
	return out, nil
}

// PartnerDomains returns a partner's own domains (its company's, not its
// prospects').
func (tx *Tx) PartnerDomains(ctx context.Context, partnerID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT domain FROM partner_domains WHERE partner_id = ? ORDER BY domain`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("partner domains: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PartnerStatus returns a partner's status (active, suspended) or ENOTFOUND.
func (tx *Tx) PartnerStatus(ctx context.Context, id string) (string, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM partners WHERE id = ?`, id).Scan(&status)
	return status, notFound(err, "Partner")
}

// ProspectQuery is what a registration's conflict search looks up, each
// through an index. Hosts are the registration's host and its parent
// domains down to the registrable one (account domains may be subdomains).
type ProspectQuery struct {
	Hosts        []string
	Domain       string // registrable domain: leads' e-mail domains, registrations
	CompanyKey   string
	Tokens       []string
	ContactEmail string
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
	Status            string
	Company           string
	CompanyKey        string
	Email             string // for matching only; never shown to partners
	OwnerKind         string
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
	Status            string
	PartnerID         string
	ReservedPartnerID string
}

// ProspectCandidates are the direct candidates of a ProspectQuery.
type ProspectCandidates struct {
	Accounts      []ProspectAccount
	Leads         []ProspectLead
	Contacts      []ProspectContact
	Registrations []Registration
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
	collect := func(what, query string, args ...any) ([]string, error) {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	for _, host := range q.Hosts {
		ids, err := collect("accounts by domain", `SELECT account_id FROM account_domains WHERE domain = ?`, host)
		if err != nil {
			return out, err
		}
		for _, id := range ids {
			addAccount(id, "domain")
		}
		if ids, err = collect("leads by domain", `SELECT id FROM leads WHERE email_domain = ? ORDER BY id DESC LIMIT 50`, host); err != nil {
			return out, err
		}
		for _, id := range ids {
			addLead(id, "domain")
		}
	}
	for _, host := range q.EmailHosts {
		ids, err := collect("accounts by e-mail domain", `SELECT account_id FROM account_domains WHERE domain = ?`, host)
		if err != nil {
			return out, err
		}
		for _, id := range ids {
			addAccount(id, "email_domain")
		}
		if ids, err = collect("leads by e-mail domain", `SELECT id FROM leads WHERE email_domain = ? ORDER BY id DESC LIMIT 50`, host); err != nil {
			return out, err
		}
		for _, id := range ids {
			addLead(id, "email_domain")
		}
	}
	if q.ContactEmail != "" {
		ids, err := collect("leads by e-mail", `SELECT id FROM leads WHERE email = ? ORDER BY id DESC LIMIT 20`, q.ContactEmail)
		if err != nil {
			return out, err
		}
		for _, id := range ids {
			addLead(id, "email")
		}
		if ids, err = collect("contacts by e-mail", `SELECT id FROM contacts WHERE email = ? ORDER BY id LIMIT 20`, q.ContactEmail); err != nil {
			return out, err
		}
		contactIDs = append(contactIDs, ids...)
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
	for _, id := range uniq(contactIDs) {
		var c ProspectContact
		err := tx.QueryRow(ctx, `SELECT c.id, c.account_id, a.name, c.email FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?`, id).
			Scan(&c.ID, &c.AccountID, &c.AccountName, &c.Email)
		if err != nil {
			return out, fmt.Errorf("read contact candidate: %w", err)
		}
		out.Contacts = append(out.Contacts, c)
	}
	for _, id := range leadIDs {
		l := ProspectLead{Via: leadVia[id]}
		err := tx.QueryRow(ctx, `SELECT id, status, company, company_key, email, owner_kind, owner_id, COALESCE(owner_partner_id, ''),
			COALESCE(reserved_partner_id, ''), COALESCE(handoff_partner_id, ''), COALESCE(account_id, '') FROM leads WHERE id = ?`, id).
			Scan(&l.ID, &l.Status, &l.Company, &l.CompanyKey, &l.Email, &l.OwnerKind, &l.OwnerID, &l.OwnerPartnerID, &l.ReservedPartnerID,
				&l.HandoffPartnerID, &l.AccountID)
		if err != nil {
			return out, fmt.Errorf("read lead candidate: %w", err)
		}
		out.Leads = append(out.Leads, l)
	}
	for _, id := range accountIDs {
		a, err := tx.prospectAccount(ctx, id)
		if err != nil {
			return out, err
		}
		a.Via = accountVia[id]
		out.Accounts = append(out.Accounts, a)
	}
	for _, id := range uniq(regIDs) {
		if id == q.ExcludeID {
			continue
		}
		r, err := scanRegistration(tx.QueryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ?`, id))
		if err != nil {
			return out, fmt.Errorf("read registration candidate: %w", err)
		}
		out.Registrations = append(out.Registrations, r)
	}
	return out, nil
}

func (tx *Tx) prospectAccount(ctx context.Context, id string) (ProspectAccount, error) {
	var a ProspectAccount
	err := tx.QueryRow(ctx, `SELECT id, name, name_key, COALESCE(parent_id, ''), root_id, COALESCE(owner_partner_id, '') FROM accounts WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &a.NameKey, &a.ParentID, &a.RootID, &a.OwnerPartnerID)
	if err != nil {
		return a, fmt.Errorf("read account candidate: %w", notFound(err, "Account"))
	}
	a.Domains, err = tx.accountDomains(ctx, id)
	return a, err
}

// ProspectAccount returns one account as the conflict search sees it.
func (tx *Tx) ProspectAccount(ctx context.Context, id string) (ProspectAccount, error) {
	return tx.prospectAccount(ctx, id)
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

// OpenOpportunitiesOfAccount returns the open opportunities (not won or
// lost) at accountID.
func (tx *Tx) OpenOpportunitiesOfAccount(ctx context.Context, accountID string) ([]ProspectOpportunity, error) {
	rows, err := tx.Query(ctx, `SELECT `+prospectOpportunityColumns+` FROM opportunities WHERE account_id = ? AND status NOT IN ('won', 'lost')
		ORDER BY id LIMIT 100`, accountID)
	if err != nil {
		return nil, fmt.Errorf("opportunities of account: %w", err)
	}
	return scanProspectOpportunities(rows)
}

// OpenOpportunityOfLead returns the open opportunity converted from leadID,
// if any.
func (tx *Tx) OpenOpportunityOfLead(ctx context.Context, leadID string) ([]ProspectOpportunity, error) {
	rows, err := tx.Query(ctx, `SELECT `+prospectOpportunityColumns+` FROM opportunities WHERE lead_id = ? AND status NOT IN ('won', 'lost')`, leadID)
	if err != nil {
		return nil, fmt.Errorf("opportunity of lead: %w", err)
	}
	return scanProspectOpportunities(rows)
}

// HasRegistrationEvent reports whether registration id's timeline holds an
// event whose data has "decision" equal to decision.
func (tx *Tx) HasRegistrationEvent(ctx context.Context, id, decision string) (bool, error) {
	events, err := tx.Timeline(ctx, id)
	if err != nil {
		return false, err
	}
	for _, e := range events {
		var data struct {
			Decision string `json:"decision"`
		}
		if json.Unmarshal(e.Data, &data) == nil && data.Decision == decision {
			return true, nil
		}
	}
	return false, nil
}
