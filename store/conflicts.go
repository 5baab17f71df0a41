package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

const conflictColumns = `id, lead_id, status, claims, winner_id, created_at, resolved_at, resolved_by, resolution`

func scanConflict(s interface{ Scan(...any) error }) (leadrouter.Conflict, error) {
	var c leadrouter.Conflict
	var claims string
	var resolved sql.NullTime
	if err := s.Scan(&c.ID, &c.LeadID, &c.Status, &claims, &c.WinnerID, &c.CreatedAt, &resolved, &c.ResolvedBy, &c.Resolution); err != nil {
		return c, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if resolved.Valid {
		t := resolved.Time.UTC()
		c.ResolvedAt = &t
	}
	return c, json.Unmarshal([]byte(claims), &c.Claims)
}

// conflictVisibility: relations and admins see every conflict, a PAM those
// naming one of its partners.
func conflictVisibility(actor leadrouter.Actor) (string, []any) {
	switch actor.Role {
	case leadrouter.RoleAdmin, leadrouter.RoleRelations, leadrouter.RoleSupport:
		return "1 = 1", nil
	case leadrouter.RolePAM:
		return "id IN (SELECT cp.conflict_id FROM conflict_partners cp JOIN partners p ON p.id = cp.partner_id WHERE p.pam_user_id = ?)", []any{actor.UserID}
	}
	return "1 = 0", nil
}

// InsertConflict stores a new open conflict with its partners.
func (tx *Tx) InsertConflict(ctx context.Context, c leadrouter.Conflict) error {
	claims, _ := json.Marshal(c.Claims)
	if _, err := tx.Exec(ctx, insertConflict, c.ID, c.LeadID, c.Status, string(claims), c.WinnerID, c.CreatedAt.UTC()); err != nil {
		if isUniqueViolation(err) {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead has an open conflict already.")
		}
		return fmt.Errorf("insert conflict: %w", err)
	}
	// Each claiming partner once, in one statement.
	var args []any
	seen := map[string]bool{}
	for _, cl := range c.Claims {
		if !seen[cl.PartnerID] {
			seen[cl.PartnerID] = true
			args = append(args, c.ID, cl.PartnerID)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, insertConflictPartners+valueRows(2, len(args)/2), args...); err != nil {
		return fmt.Errorf("insert conflict partners: %w", err)
	}
	return nil
}

// The statements of InsertConflict (TestWritesScanNoTable reads their
// programs); insertConflictPartners takes a row of VALUES for each partner.
const (
	insertConflict         = `INSERT INTO conflicts (id, lead_id, status, claims, winner_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`
	insertConflictPartners = `INSERT INTO conflict_partners (conflict_id, partner_id) VALUES `
)

// Conflict reads one conflict actor may see, locked for the rest of a
// read-write transaction.
func (tx *Tx) Conflict(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Conflict, error) {
	cond, args := conflictVisibility(actor)
	c, err := scanConflict(tx.QueryRow(ctx, `SELECT `+conflictColumns+` FROM conflicts WHERE id = ? AND `+cond+tx.forUpdate(), append([]any{id}, args...)...))
	return c, notFound(err, "Conflict")
}

// OpenConflictOfLead is the lead's open conflict, or ENOTFOUND.
func (tx *Tx) OpenConflictOfLead(ctx context.Context, leadID string) (leadrouter.Conflict, error) {
	c, err := scanConflict(tx.QueryRow(ctx, `SELECT `+conflictColumns+` FROM conflicts WHERE lead_id = ? AND status = 'open'`, leadID))
	return c, notFound(err, "Conflict")
}

// Conflicts lists the conflicts actor may see in status ("" for all),
// newest first.
func (tx *Tx) Conflicts(ctx context.Context, actor leadrouter.Actor, status leadrouter.ConflictStatus, limit int, cursor string) (Page[leadrouter.Conflict], error) {
	limit = clampLimit(limit)
	cond, args := conflictVisibility(actor)
	q := `SELECT ` + conflictColumns + ` FROM conflicts WHERE ` + cond
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	if cursor != "" {
		q += ` AND id < ?`
		args = append(args, cursor)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.Conflict]{}, fmt.Errorf("list conflicts: %w", err)
	}
	items, err := collect(rows, scanConflict)
	if err != nil {
		return Page[leadrouter.Conflict]{}, err
	}
	return cut(items, limit, func(c leadrouter.Conflict) string { return c.ID }), nil
}

// ResolveConflict records a conflict's resolution (claims updated with
// who prevailed); a conflict resolved already changes nothing and is
// ECONFLICT.
func (tx *Tx) ResolveConflict(ctx context.Context, c leadrouter.Conflict) error {
	claims, _ := json.Marshal(c.Claims)
	res, err := tx.Exec(ctx, `UPDATE conflicts SET status = 'resolved', claims = ?, winner_id = ?, resolved_at = ?, resolved_by = ?, resolution = ?
		WHERE id = ? AND status = 'open'`, string(claims), c.WinnerID, tx.now, c.ResolvedBy, c.Resolution, c.ID)
	if err != nil {
		return fmt.Errorf("resolve conflict: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ECONFLICT, "The conflict is resolved already.")
	}
	return nil
}

// PartnerRecord is what a partner claims a lead by: an open lead or
// opportunity it works, or its registration.
type PartnerRecord struct {
	PartnerID string
	Ref       string // lead, opportunity or registration id
}

// ClaimsFor's searches for partners' open records, each with its own
// index: partners' open leads at the account (leads_partner_account)
// and at the e-mail domain (leads_partner_domain), partners' live
// opportunities at the account, and leads with the company key
// (leads_company_key).
// TestMatchQueriesUseIndexes reads their plans. leads_partner_domain's
// condition requires a domain (migration 0027), so that the account's
// search, which implied its old condition, cannot be answered by reading
// the whole of it either.
//
// The company search says "owned by a partner" by comparing
// COALESCE(owner_partner_id, ...) with the empty string rather than by
// owner_partner_id IS NOT NULL, so that its condition does not imply
// leads_partner_domain's: PostgreSQL may then not answer it by reading
// that whole index, which it did whenever the statistics said the index
// was nearly empty (after a bulk load of the vendor's own leads, or with
// autovacuum off): every capture read every partner's open lead. (SQLite,
// once analyzed, read them all through leads_owner_partner.) In
// bench/ingest's first stored load after a preload that took
// stored/explained at 50k leads from ~0.6 to 0.36-0.39.
const (
	partnerLeadsAtAccount = `SELECT COALESCE(owner_partner_id, ''), id FROM leads WHERE account_id = ? AND id <> ? AND owner_partner_id IS NOT NULL
			AND status NOT IN ('converted', 'disqualified')`
	partnerOpportunitiesAtAccount = `SELECT partner_id, id FROM opportunities WHERE account_id = ? AND partner_id IS NOT NULL AND status IN ('handed_off', 'open')`
	partnerLeadsAtDomain          = `SELECT COALESCE(owner_partner_id, ''), id FROM leads WHERE email_domain = ? AND id <> ? AND email_domain <> ''
			AND owner_partner_id IS NOT NULL AND status NOT IN ('converted', 'disqualified')`
	partnerLeadsAtCompany = `SELECT COALESCE(owner_partner_id, ''), id FROM leads WHERE company_key = ? AND id <> ? AND COALESCE(owner_partner_id, '') <> ''
			AND status NOT IN ('converted', 'disqualified')`
)

// ClaimsQuery says where to look for the partners' claims on a new lead:
// its account, e-mail domain and company key for partners' open records
// (excluding ExcludeLeadID), its registrable domain and company key for
// registrations ("" skips a search).
type ClaimsQuery struct {
	AccountID         string
	Domain            string
	RegistrableDomain string
	CompanyKey        string
	ExcludeLeadID     string
}

// Claimants are the stored claims ClaimsFor finds: live registrations of
// the company (Ref: the registration, in id order, at most 20) and
// partners' open records at the account, domain or company (at most 50).
type Claimants struct {
	Registrations []PartnerRecord
	Records       []PartnerRecord
}

// liveRegistrationAt is ClaimsFor's search for the approved, unexpired
// registrations of a company by one of its keys (the column names it),
// through that key's index. Each key is a search of its own, so that
// neither can be answered by walking every registration in id order (as
// PostgreSQL did for one search with both keys and ORDER BY id), and the
// status is compared as an expression, so that SQLite cannot read every
// approved registration through registrations_status instead.
const liveRegistrationAt = `SELECT partner_id, id FROM registrations WHERE %s = ? AND (status || '') = 'approved' AND (expires_at IS NULL OR expires_at > ?)`

// claimsStatement is the one statement of ClaimsFor: the live
// registrations, then the partners' open leads and opportunities at the
// account, the e-mail domain and the company, each search with its own
// index. "" when there is nothing to search.
func claimsStatement(q ClaimsQuery, now time.Time) (string, []any) {
	var parts []string
	var args []any
	var regs []string
	if q.CompanyKey != "" {
		regs = append(regs, fmt.Sprintf(liveRegistrationAt, "company_key"))
		args = append(args, q.CompanyKey, now)
	}
	if q.RegistrableDomain != "" {
		regs = append(regs, fmt.Sprintf(liveRegistrationAt, "domain"))
		args = append(args, q.RegistrableDomain, now)
	}
	if len(regs) > 0 {
		parts = append(parts, `SELECT 'registration' AS kind, g.* FROM (SELECT * FROM (`+strings.Join(regs, " UNION ")+`) AS u ORDER BY id LIMIT 20) AS g`)
	}
	var records []string
	if q.AccountID != "" {
		records = append(records, partnerLeadsAtAccount, partnerOpportunitiesAtAccount)
		args = append(args, q.AccountID, q.ExcludeLeadID, q.AccountID)
	}
	if q.Domain != "" {
		records = append(records, partnerLeadsAtDomain)
		args = append(args, q.Domain, q.ExcludeLeadID)
	}
	if q.CompanyKey != "" {
		records = append(records, partnerLeadsAtCompany)
		args = append(args, q.CompanyKey, q.ExcludeLeadID)
	}
	if len(records) > 0 {
		parts = append(parts, `SELECT 'record' AS kind, r.* FROM (SELECT * FROM (`+strings.Join(records, " UNION ")+`) AS u LIMIT 50) AS r`)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// ClaimsFor reads the stored claims on a new lead (see ClaimsQuery) in one
// statement: capture reads them before the writer, with the account
// match, and explain shows them.
func (tx *Tx) ClaimsFor(ctx context.Context, q ClaimsQuery) (Claimants, error) {
	var out Claimants
	text, args := claimsStatement(q, tx.now)
	if text == "" {
		return out, nil
	}
	rows, err := tx.Query(ctx, text, args...)
	if err != nil {
		return out, fmt.Errorf("claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var r PartnerRecord
		if err := rows.Scan(&kind, &r.PartnerID, &r.Ref); err != nil {
			return out, fmt.Errorf("claims: %w", err)
		}
		if kind == "registration" {
			out.Registrations = append(out.Registrations, r)
		} else {
			out.Records = append(out.Records, r)
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("claims: %w", err)
	}
	// The registrations in id order, as their search returns them.
	slices.SortFunc(out.Registrations, func(a, b PartnerRecord) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}
