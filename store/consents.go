package store

import (
	"context"
	"fmt"
	"time"
)

// ConsentRecord is one entry of a lead's consent history: a grant or a
// withdrawal, with who recorded it, when, the exact wording, the source and
// the IP it came from.
type ConsentRecord struct {
	ID     string    `json:"id"`
	LeadID string    `json:"lead_id"`
	Share  bool      `json:"share"`
	Text   string    `json:"text"`
	Source string    `json:"source"`
	IP     string    `json:"ip"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// Consents returns a lead's whole consent history, oldest first (staff
// only: the caller checks the role; records are appended with
// InsertConsent).
func (tx *Tx) Consents(ctx context.Context, leadID string) ([]ConsentRecord, error) {
	rows, err := tx.Query(ctx, `SELECT id, lead_id, share, text, source, ip, actor, at FROM consents WHERE lead_id = ? ORDER BY at, id`, leadID)
	if err != nil {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	defer rows.Close()
	out := []ConsentRecord{}
	for rows.Next() {
		var c ConsentRecord
		if err := rows.Scan(&c.ID, &c.LeadID, &c.Share, &c.Text, &c.Source, &c.IP, &c.Actor, &c.At); err != nil {
			return nil, fmt.Errorf("scan consent: %w", err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
