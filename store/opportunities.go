package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/leadrouter/leadrouter"
)

// opportunityColumns is the one list of opportunity columns, in
// scanOpportunity's order.
const opportunityColumns = `id, lead_id, account_id, contact_id, name, amount, status, COALESCE(reserved_partner_id, ''),
	COALESCE(partner_id, ''), COALESCE(pam_user_id, ''), override_reason, created_at, handed_off_at,
	stage, amount_minor, currency, close_date, close_reason, closed_at, deal_updated_at`

func scanOpportunity(s interface{ Scan(...any) error }) (leadrouter.Opportunity, error) {
	var o leadrouter.Opportunity
	var amount sql.NullFloat64
	var handedOffAt, closedAt, dealAt sql.NullTime
	var minor sql.NullInt64
	var currency string
	if err := s.Scan(&o.ID, &o.LeadID, &o.AccountID, &o.ContactID, &o.Name, &amount, &o.Status, &o.ReservedPartnerID,
		&o.PartnerID, &o.PAMUserID, &o.OverrideReason, &o.CreatedAt, &handedOffAt,
		&o.Deal.Stage, &minor, &currency, &o.Deal.CloseDate, &o.Deal.CloseReason, &closedAt, &dealAt); err != nil {
		return o, err
	}
	if minor.Valid && currency != "" {
		o.Deal.Value = &leadrouter.Money{Currency: currency, Minor: minor.Int64}
	}
	if closedAt.Valid {
		t := closedAt.Time.UTC()
		o.Deal.ClosedAt = &t
		if o.Status == leadrouter.OppWon || o.Status == leadrouter.OppLost {
			o.Deal.Result = o.Status
		}
	}
	if dealAt.Valid {
		t := dealAt.Time.UTC()
		o.Deal.UpdatedAt = &t
	}
	if amount.Valid {
		o.Amount = &amount.Float64
	}
	if handedOffAt.Valid {
		t := handedOffAt.Time.UTC()
		o.HandedOffAt = &t
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, nil
}

// opportunityVisibility is the condition every partner-reachable
// opportunity query carries: staff see every opportunity; a partner only
// those handed off to it (a PID-reserved opportunity waiting in its PAM's
// queue stays invisible to the reserved partner until the hand-off, as the
// export does).
func opportunityVisibility(actor leadrouter.Actor) (string, []any) {
	switch {
	case actor.IsStaff():
		return "1 = 1", nil
	case actor.IsPartner() && actor.PartnerID != "":
		return "(partner_id = ? AND status <> 'handoff_pending')", []any{actor.PartnerID}
	}
	return "1 = 0", nil
}

// OpportunityFilter selects opportunities for a list; zero fields do not
// filter.
type OpportunityFilter struct {
	Status    leadrouter.OpportunityStatus
	PartnerID string
	LeadID    string
	Limit     int
	Cursor    string
}

// insertOpportunity is the statement that stores an opportunity
// (TestWritesScanNoTable reads its program).
const insertOpportunity = `INSERT INTO opportunities (id, lead_id, account_id, contact_id, name, amount, status, reserved_partner_id,
	partner_id, pam_user_id, override_reason, created_at, updated_at, handed_off_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertOpportunity stores a new opportunity (the conversion workflow has
// checked that its lead has none yet).
func (tx *Tx) InsertOpportunity(ctx context.Context, o *leadrouter.Opportunity) error {
	if o.ID == "" {
		o.ID = leadrouter.NewID("opp")
	}
	o.CreatedAt = tx.now
	var handedOffAt any
	if o.HandedOffAt != nil {
		handedOffAt = o.HandedOffAt.UTC()
	}
	var amount any
	if o.Amount != nil {
		amount = *o.Amount
	}
	if _, err := tx.Exec(ctx, insertOpportunity,
		o.ID, o.LeadID, o.AccountID, o.ContactID, o.Name, amount, o.Status, nullString(o.ReservedPartnerID), nullString(o.PartnerID),
		nullString(o.PAMUserID), o.OverrideReason, o.CreatedAt, o.CreatedAt, handedOffAt); err != nil {
		return fmt.Errorf("insert opportunity: %w", err)
	}
	return nil
}

// Opportunity returns one opportunity as actor may see it (ENOTFOUND for a
// partner asking about one not handed off to it).
func (tx *Tx) Opportunity(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Opportunity, error) {
	cond, args := opportunityVisibility(actor)
	o, err := scanOpportunity(tx.QueryRow(ctx, `SELECT `+opportunityColumns+` FROM opportunities WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	return o, notFound(err, "Opportunity")
}

// OpportunityForUpdate returns an opportunity as Opportunity does, locking
// its row until the transaction ends (lock the lead first: every workflow
// takes the lead's lock before its opportunity's).
func (tx *Tx) OpportunityForUpdate(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Opportunity, error) {
	cond, args := opportunityVisibility(actor)
	o, err := scanOpportunity(tx.QueryRow(ctx, `SELECT `+opportunityColumns+` FROM opportunities WHERE id = ? AND `+cond+tx.forUpdate(), append([]any{id}, args...)...))
	return o, notFound(err, "Opportunity")
}

// OpportunityByLead returns the opportunity converted from leadID (any
// visibility: for workflows), or ENOTFOUND.
func (tx *Tx) OpportunityByLead(ctx context.Context, leadID string) (leadrouter.Opportunity, error) {
	o, err := scanOpportunity(tx.QueryRow(ctx, `SELECT `+opportunityColumns+` FROM opportunities WHERE lead_id = ?`+tx.forUpdate(), leadID))
	return o, notFound(err, "Opportunity")
}

// Opportunities lists the opportunities actor may see, newest first: admin
// and other staff every one, a PAM those queued for it or reserved for or
// handed off to one of its partners, a partner those handed off to it.
func (tx *Tx) Opportunities(ctx context.Context, actor leadrouter.Actor, f OpportunityFilter) (Page[leadrouter.Opportunity], error) {
	limit := clampLimit(f.Limit)
	cond, args := opportunityVisibility(actor)
	q := `SELECT ` + opportunityColumns + ` FROM opportunities WHERE ` + cond
	if actor.Role == leadrouter.RolePAM {
		q += ` AND (pam_user_id = ? OR reserved_partner_id IN (SELECT id FROM partners WHERE pam_user_id = ?)
			OR partner_id IN (SELECT id FROM partners WHERE pam_user_id = ?))`
		args = append(args, actor.UserID, actor.UserID, actor.UserID)
	}
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.PartnerID != "" {
		q += ` AND (partner_id = ? OR reserved_partner_id = ?)`
		args = append(args, f.PartnerID, f.PartnerID)
	}
	if f.LeadID != "" {
		q += ` AND lead_id = ?`
		args = append(args, f.LeadID)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.Opportunity]{}, fmt.Errorf("list opportunities: %w", err)
	}
	items, err := collect(rows, scanOpportunity)
	if err != nil {
		return Page[leadrouter.Opportunity]{}, err
	}
	return cut(items, limit, func(o leadrouter.Opportunity) string { return o.ID }), nil
}

// UpdateOpportunityHandoff writes an opportunity's hand-off state: status,
// partner, override reason and hand-off time.
func (tx *Tx) UpdateOpportunityHandoff(ctx context.Context, o *leadrouter.Opportunity) error {
	var handedOffAt any
	if o.HandedOffAt != nil {
		handedOffAt = o.HandedOffAt.UTC()
	}
	res, err := tx.Exec(ctx, `UPDATE opportunities SET status = ?, partner_id = ?, override_reason = ?, handed_off_at = ?, updated_at = ? WHERE id = ?`,
		o.Status, nullString(o.PartnerID), o.OverrideReason, handedOffAt, tx.now, o.ID)
	if err != nil {
		return fmt.Errorf("update opportunity %s: %w", o.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "Opportunity not found.")
	}
	return nil
}

// SaveDeal writes an opportunity's deal (stage, amount, close date,
// outcome) and its status (won or lost once closed).
func (tx *Tx) SaveDeal(ctx context.Context, o leadrouter.Opportunity) error {
	var minor any
	currency := ""
	if v := o.Deal.Value; v != nil {
		minor, currency = v.Minor, v.Currency
	}
	var closedAt, dealAt any
	if o.Deal.ClosedAt != nil {
		closedAt = o.Deal.ClosedAt.UTC()
	}
	if o.Deal.UpdatedAt != nil {
		dealAt = o.Deal.UpdatedAt.UTC()
	}
	res, err := tx.Exec(ctx, `UPDATE opportunities SET status = ?, stage = ?, amount_minor = ?, currency = ?, close_date = ?, close_reason = ?,
		closed_at = ?, deal_updated_at = ?, updated_at = ? WHERE id = ?`,
		o.Status, o.Deal.Stage, minor, currency, o.Deal.CloseDate, o.Deal.CloseReason, closedAt, dealAt, tx.now, o.ID)
	if err != nil {
		return fmt.Errorf("update deal %s: %w", o.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "Opportunity not found.")
	}
	return nil
}

// ClaimStaleDeals marks up to limit open deals (handed off, not closed)
// whose last update is before before and that were not nudged since as
// nudged now, and returns them. Rows another transaction holds are
// skipped (PostgreSQL), so several processes never nudge one deal twice.
func (tx *Tx) ClaimStaleDeals(ctx context.Context, before time.Time, limit int) ([]leadrouter.Opportunity, error) {
	rows, err := tx.Query(ctx, `SELECT `+opportunityColumns+` FROM opportunities
		WHERE closed_at IS NULL AND deal_updated_at IS NOT NULL AND deal_updated_at < ? AND (nudged_at IS NULL OR nudged_at < ?)
		ORDER BY deal_updated_at LIMIT ?`+tx.skipLocked(), before.UTC(), before.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("stale deals: %w", err)
	}
	opps, err := collect(rows, scanOpportunity)
	if err != nil {
		return nil, err
	}
	for _, o := range opps {
		if _, err := tx.Exec(ctx, `UPDATE opportunities SET nudged_at = ? WHERE id = ?`, tx.now, o.ID); err != nil {
			return nil, fmt.Errorf("nudge deal %s: %w", o.ID, err)
		}
	}
	return opps, nil
}

// PAMPartnerIDs returns the ids of the partners whose PAM is pamUserID.
func (tx *Tx) PAMPartnerIDs(ctx context.Context, pamUserID string) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM partners WHERE pam_user_id = ?`, pamUserID)
	if err != nil {
		return nil, fmt.Errorf("partners of PAM: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// HandoffCountSince counts the opportunities handed off to partnerID per
// month since t (the partner dashboard).
func (tx *Tx) HandoffCountSince(ctx context.Context, partnerID string, since time.Time) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT handed_off_at FROM opportunities WHERE partner_id = ? AND handed_off_at IS NOT NULL AND handed_off_at >= ?`,
		partnerID, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("count hand-offs: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out[at.UTC().Format("2006-01")]++
	}
	return out, rows.Err()
}
