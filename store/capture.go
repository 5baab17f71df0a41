package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// ContactIDForEmail returns the id of the newest contact with email, or "".
func (tx *Tx) ContactIDForEmail(ctx context.Context, email string) (string, error) {
	if tx.deferred.knownAbsent(email) {
		return "", nil
	}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM contacts WHERE email = ? ORDER BY id DESC LIMIT 1`, email).Scan(&id)
	if isNoRows(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("contact by e-mail: %w", err)
	}
	return id, nil
}

const insertConsents = `INSERT INTO consents (id, lead_id, share, wording, source, ip, actor, at) VALUES `

// InsertConsent appends one consent record (a grant or a withdrawal) to a
// lead's consent history: who, when, the exact wording, the source and IP.
func (tx *Tx) InsertConsent(ctx context.Context, leadID string, share bool, text, source, ip, actor string) error {
	wording, err := tx.wordingID(ctx, text)
	if err != nil {
		return err
	}
	row := []any{leadrouter.NewID("cns"), leadID, share, wording, source, ip, actor, tx.timeArg(tx.now)}
	if d := tx.deferred; d != nil {
		d.consents = append(d.consents, row)
		return nil
	}
	if _, err := tx.Exec(ctx, insertConsents+valueRows(len(row), 1), row...); err != nil {
		return fmt.Errorf("insert consent: %w", err)
	}
	return nil
}
