package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
	if _, err := tx.Exec(ctx, `INSERT INTO conflicts (id, lead_id, status, claims, winner_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.LeadID, c.Status, string(claims), c.WinnerID, c.CreatedAt.UTC()); err != nil {
		if isUniqueViolation(err) {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead has an open conflict already.")
		}
		return fmt.Errorf("insert conflict: %w", err)
	}
	seen := map[string]bool{}
	for _, cl := range c.Claims {
		if seen[cl.PartnerID] {
			continue
		}
		seen[cl.PartnerID] = true
		if _, err := tx.Exec(ctx, `INSERT INTO conflict_partners (conflict_id, partner_id) VALUES (?, ?)`, c.ID, cl.PartnerID); err != nil {
			return fmt.Errorf("insert conflict partner: %w", err)
		}
	}
	return nil
}

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

// LiveRegistrationsFor returns the approved, unexpired registrations of a
// company, by its normalised name or its registrable domain ("" skips).
func (tx *Tx) LiveRegistrationsFor(ctx context.Context, companyKey, domain string) ([]leadrouter.Registration, error) {
	if companyKey == "" && domain == "" {
		return nil, nil
	}
	ids, err := tx.queryIDs(ctx, "live registrations", `SELECT id FROM registrations WHERE status = 'approved' AND (expires_at IS NULL OR expires_at > ?)
		AND ((company_key = ? AND ? <> '') OR (domain = ? AND ? <> '')) ORDER BY id LIMIT 20`, tx.now, companyKey, companyKey, domain, domain)
	if err != nil {
		return nil, err
	}
	var out []leadrouter.Registration
	for _, id := range ids {
		reg, err := tx.Registration(ctx, leadrouter.System, id)
		if err != nil {
			return nil, err
		}
		out = append(out, reg)
	}
	return out, nil
}

// PartnerRecord is an open lead or opportunity a partner works.
type PartnerRecord struct {
	PartnerID string
	Ref       string // lead or opportunity id
}

// The searches of OpenPartnerRecordsAt, each with its own index:
// partners' open leads at the account (leads_partner_account) and at the
// e-mail domain (leads_partner_domain), partners' live opportunities at
// the account, and leads with the company key (leads_company_key).
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

// OpenPartnerRecordsAt lists the open leads owned by (or handed off to) a
// partner and the partners' live opportunities at the same account, or
// (without one) with the same e-mail domain or company key, leaving
// excludeLeadID out.
func (tx *Tx) OpenPartnerRecordsAt(ctx context.Context, accountID, domain, companyKey, excludeLeadID string) ([]PartnerRecord, error) {
	var parts []string
	var args []any
	if accountID != "" {
		parts = append(parts, partnerLeadsAtAccount, partnerOpportunitiesAtAccount)
		args = append(args, accountID, excludeLeadID, accountID)
	}
	if domain != "" {
		parts = append(parts, partnerLeadsAtDomain)
		args = append(args, domain, excludeLeadID)
	}
	if companyKey != "" {
		parts = append(parts, partnerLeadsAtCompany)
		args = append(args, companyKey, excludeLeadID)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	q := parts[0]
	for _, p := range parts[1:] {
		q += " UNION " + p
	}
	rows, err := tx.Query(ctx, `SELECT * FROM (`+q+`) AS r LIMIT 50`, args...)
	if err != nil {
		return nil, fmt.Errorf("open partner records: %w", err)
	}
	defer rows.Close()
	var out []PartnerRecord
	for rows.Next() {
		var r PartnerRecord
		if err := rows.Scan(&r.PartnerID, &r.Ref); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
