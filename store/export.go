package store

import (
	"context"
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
			q := `SELECT ` + opportunityColumns + ` FROM opportunities WHERE id > ?`
			args := []any{cursor}
			switch {
			case actor.IsPartner():
				q += ` AND partner_id = ? AND status <> 'handoff_pending'`
				args = append(args, actor.PartnerID)
			case !actor.IsStaff():
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Sign in to export.")
			}
			rows, err := tx.Query(ctx, q+` ORDER BY id LIMIT 1000`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var r OpportunityRow
				o, err := scanOpportunity(rows)
				if err != nil {
					rows.Close()
					return err
				}
				r.Opportunity = o
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
