package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// Consents returns a lead's whole consent history, oldest first (staff
// only: the caller checks the role; records are appended with
// InsertConsent).
func (tx *Tx) Consents(ctx context.Context, leadID string) ([]leadrouter.ConsentRecord, error) {
	rows, err := tx.Query(ctx, `SELECT `+consentColumns+` FROM consents WHERE lead_id = ? ORDER BY at, id`, leadID)
	if err != nil {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	defer rows.Close()
	out := []leadrouter.ConsentRecord{}
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("scan consent: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
