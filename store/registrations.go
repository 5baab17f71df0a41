package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

const registrationColumns = `id, partner_id, created_by, company, company_key, domain, country, contact_email, note, flag, status,
	reasons, conflicts, COALESCE(account_id, ''), expires_at, extension_requested, extended, decided_by, decided_at, decision_reason,
	created_at, updated_at`

func scanRegistration(s interface{ Scan(...any) error }) (leadrouter.Registration, error) {
	var r leadrouter.Registration
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
		r.Reasons = []leadrouter.RegistrationReason{}
	}
	if r.Conflicts == nil {
		r.Conflicts = []leadrouter.RegistrationConflict{}
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
func (tx *Tx) InsertRegistration(ctx context.Context, r *leadrouter.Registration) error {
	if r.ID == "" {
		r.ID = leadrouter.NewID("reg")
	}
	r.CreatedAt, r.UpdatedAt = tx.now, tx.now
	r.CompanyKey = tx.companyKey(r.Company)
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
func (tx *Tx) UpdateRegistration(ctx context.Context, r *leadrouter.Registration) error {
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

func encodeRegistrationDetail(r *leadrouter.Registration) (string, string, error) {
	if r.Reasons == nil {
		r.Reasons = []leadrouter.RegistrationReason{}
	}
	if r.Conflicts == nil {
		r.Conflicts = []leadrouter.RegistrationConflict{}
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
func (tx *Tx) Registration(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Registration, error) {
	cond, args := registrationVisibility(actor)
	r, err := scanRegistration(tx.QueryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	return r, notFound(err, "Registration")
}

// RegistrationForUpdate returns a registration as Registration does,
// locking its row until the transaction ends (PostgreSQL).
func (tx *Tx) RegistrationForUpdate(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Registration, error) {
	cond, args := registrationVisibility(actor)
	r, err := scanRegistration(tx.QueryRow(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE id = ? AND `+cond+tx.forUpdate(), append([]any{id}, args...)...))
	return r, notFound(err, "Registration")
}

// RegistrationFilter selects registrations for a list; zero fields do not
// filter. Status compares the effective status (an approved registration
// past its expiry is listed as expired).
type RegistrationFilter struct {
	Status    leadrouter.RegistrationStatus
	PartnerID string
	// ExtensionRequested lists only registrations whose extension request
	// waits for Partner Relations.
	ExtensionRequested bool
	Limit              int
	Cursor             string
}

// Registrations lists the registrations actor may see, newest first.
func (tx *Tx) Registrations(ctx context.Context, actor leadrouter.Actor, f RegistrationFilter) (Page[leadrouter.Registration], error) {
	limit := clampLimit(f.Limit)
	cond, args := registrationVisibility(actor)
	q := `SELECT ` + registrationColumns + ` FROM registrations WHERE ` + cond
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	switch f.Status {
	case "":
	case leadrouter.RegistrationApproved:
		q += ` AND status = 'approved' AND expires_at > ?`
		args = append(args, tx.now)
	case leadrouter.RegistrationExpired:
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
		return Page[leadrouter.Registration]{}, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var items []leadrouter.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return Page[leadrouter.Registration]{}, err
		}
		items = append(items, r)
	}
	return cut(items, limit, func(r leadrouter.Registration) string { return r.ID }), rows.Err()
}

// DueRegistrations returns up to limit approved registrations whose expiry
// is at or before now, locked for the expiry job.
func (tx *Tx) DueRegistrations(ctx context.Context, limit int) ([]leadrouter.Registration, error) {
	rows, err := tx.Query(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE status = 'approved' AND expires_at <= ?
		ORDER BY expires_at, id LIMIT ?`+tx.forUpdate(), tx.now, limit)
	if err != nil {
		return nil, fmt.Errorf("due registrations: %w", err)
	}
	defer rows.Close()
	var out []leadrouter.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// accountRegistrations is how many registrations of one partner at one
// account RegistrationsOfAccount and OwnerRegistrationsAt return.
const accountRegistrations = 100

// RegistrationsOfAccount returns partnerID's registrations linked to
// accountID (the registrations that may have given it the account).
func (tx *Tx) RegistrationsOfAccount(ctx context.Context, partnerID, accountID string) ([]leadrouter.Registration, error) {
	rows, err := tx.Query(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE partner_id = ? AND account_id = ? ORDER BY id DESC LIMIT ?`,
		partnerID, accountID, accountRegistrations)
	if err != nil {
		return nil, fmt.Errorf("registrations of account: %w", err)
	}
	defer rows.Close()
	var out []leadrouter.Registration
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OwnerRegistrationsAt returns, for each account of owners (an account's
// id and its owning partner's), that partner's registrations linked to the
// account, newest first and up to accountRegistrations of them, as RegistrationsOfAccount
// would for each: in one statement (the registration conflict search asks
// for every owned account of the hierarchies it found).
func (tx *Tx) OwnerRegistrationsAt(ctx context.Context, owners map[string]string) (map[string][]leadrouter.Registration, error) {
	out := map[string][]leadrouter.Registration{}
	if len(owners) == 0 {
		return out, nil
	}
	cond, args := tx.idIn("account_id", slices.Sorted(maps.Keys(owners)))
	// Sorted here, not in SQL: an ORDER BY id can make the planner walk
	// every registration in id order (registrations_pkey) instead of
	// reading these accounts' through registrations_account.
	rows, err := tx.Query(ctx, `SELECT `+registrationColumns+` FROM registrations WHERE `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("registrations of accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, err
		}
		if r.PartnerID == owners[r.AccountID] {
			out[r.AccountID] = append(out[r.AccountID], r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registrations of accounts: %w", err)
	}
	for id, regs := range out {
		slices.SortFunc(regs, func(a, b leadrouter.Registration) int { return strings.Compare(b.ID, a.ID) })
		out[id] = regs[:min(len(regs), accountRegistrations)]
	}
	return out, nil
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

// PartnerNames returns the names of the partners with ids (for staff
// views), "" for an id that is no partner's: one statement for them all.
func (tx *Tx) PartnerNames(ctx context.Context, ids []string) (map[string]string, error) {
	partners, _, err := tx.Names(ctx, leadrouter.System, ids, nil)
	return partners, err
}

// Names returns the names of the partners with partnerIDs and of the users
// with userIDs, in one statement for them all: every partner's, and each
// user's as actor may see it (as User: staff see everyone, a partner user
// only its own partner's). "" for an id actor may not see or that is no
// partner's or user's.
func (tx *Tx) Names(ctx context.Context, actor leadrouter.Actor, partnerIDs, userIDs []string) (partners, users map[string]string, err error) {
	var parts []string
	var args []any
	partners, want := unknownNames(partnerIDs)
	if len(want) > 0 {
		cond, a := tx.idIn("id", want)
		parts, args = append(parts, `SELECT 'partner' AS kind, id, name FROM partners WHERE `+cond), append(args, a...)
	}
	users, want = unknownNames(userIDs)
	if len(want) > 0 && (actor.IsStaff() || actor.IsPartner()) {
		cond, a := tx.idIn("id", want)
		q := `SELECT 'user' AS kind, id, name FROM users WHERE ` + cond
		args = append(args, a...)
		if actor.IsPartner() {
			q += ` AND partner_id = ?`
			args = append(args, actor.PartnerID)
		}
		parts = append(parts, q)
	}
	if len(parts) == 0 {
		return partners, users, nil
	}
	rows, err := tx.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, id, name string
		if err := rows.Scan(&kind, &id, &name); err != nil {
			return nil, nil, fmt.Errorf("names: %w", err)
		}
		if kind == "partner" {
			partners[id] = name
		} else {
			users[id] = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("names: %w", err)
	}
	return partners, users, nil
}

// unknownNames maps each of ids (but "") to "", and lists them once each.
func unknownNames(ids []string) (map[string]string, []string) {
	out := make(map[string]string, len(ids))
	var want []string
	for _, id := range ids {
		if _, ok := out[id]; !ok && id != "" {
			out[id] = ""
			want = append(want, id)
		}
	}
	return out, want
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
func (tx *Tx) PartnerStatus(ctx context.Context, id string) (leadrouter.PartnerStatus, error) {
	var status leadrouter.PartnerStatus
	err := tx.QueryRow(ctx, `SELECT status FROM partners WHERE id = ?`, id).Scan(&status)
	return status, notFound(err, "Partner")
}
