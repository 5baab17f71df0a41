package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/leadrouter/leadrouter"
)

// ExportLeads streams every lead actor may see, oldest first, to emit
// (keyset pagination: constant memory however many leads there are).
func (db *DB) ExportLeads(ctx context.Context, actor leadrouter.Actor, emit func(leadrouter.Lead) error) error {
	cursor := ""
	for {
		var batch []leadrouter.Lead
		err := db.View(ctx, func(tx *Tx) error {
			cond, args := leadVisibility(actor)
			rows, err := tx.Query(ctx, `SELECT `+leadColumns+` FROM leads WHERE id > ? AND `+cond+` ORDER BY id LIMIT 1000`, append([]any{cursor}, args...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				l, err := scanLead(rows)
				if err != nil {
					return err
				}
				batch = append(batch, l)
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("export leads: %w", err)
		}
		for _, l := range batch {
			if err := emit(l); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
			return nil
		}
		cursor = batch[len(batch)-1].ID
	}
}

// OpportunityRow is an opportunity with its lead, for export.
type OpportunityRow struct {
	Opportunity leadrouter.Opportunity
	Lead        leadrouter.Lead
}

// ExportOpportunities streams opportunities actor may see with their leads.
func (db *DB) ExportOpportunities(ctx context.Context, actor leadrouter.Actor, emit func(OpportunityRow) error) error {
	cursor := ""
	for {
		var batch []OpportunityRow
		err := db.View(ctx, func(tx *Tx) error {
			q := `SELECT o.id, o.lead_id, o.account_id, o.contact_id, o.name, o.amount, o.status, COALESCE(o.reserved_partner_id, ''),
				COALESCE(o.partner_id, ''), COALESCE(o.pam_user_id, ''), o.override_reason, o.created_at, o.handed_off_at FROM opportunities o WHERE o.id > ?`
			args := []any{cursor}
			switch {
			case actor.IsPartner():
				q += ` AND o.partner_id = ? AND o.status <> 'handoff_pending'`
				args = append(args, actor.PartnerID)
			case !actor.IsStaff():
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Sign in to export.")
			}
			rows, err := tx.Query(ctx, q+` ORDER BY o.id LIMIT 1000`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var r OpportunityRow
				o := &r.Opportunity
				var amount sql.NullFloat64
				var handed sql.NullTime
				if err := rows.Scan(&o.ID, &o.LeadID, &o.AccountID, &o.ContactID, &o.Name, &amount, &o.Status, &o.ReservedPartnerID,
					&o.PartnerID, &o.PAMUserID, &o.OverrideReason, &o.CreatedAt, &handed); err != nil {
					rows.Close()
					return err
				}
				if amount.Valid {
					o.Amount = &amount.Float64
				}
				if handed.Valid {
					t := handed.Time.UTC()
					o.HandedOffAt = &t
				}
				batch = append(batch, r)
			}
			rows.Close()
			for i := range batch {
				l, err := scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = ?`, batch[i].Opportunity.LeadID))
				if err != nil {
					return err
				}
				batch[i].Lead = l
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export opportunities: %w", err)
		}
		for _, r := range batch {
			if err := emit(r); err != nil {
				return err
			}
		}
		if len(batch) < 1000 {
			return nil
		}
		cursor = batch[len(batch)-1].Opportunity.ID
	}
}

// FormatAmount renders an optional amount for CSV.
func FormatAmount(a *float64) string {
	if a == nil {
		return ""
	}
	return strconv.FormatFloat(*a, 'f', 2, 64)
}

// FormatTime renders an optional time for CSV.
func FormatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
