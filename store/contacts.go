package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

const contactColumns = `id, account_id, COALESCE(lead_id, ''), first_name, last_name, email, phone, created_at`

func scanContact(s interface{ Scan(...any) error }) (leadrouter.Contact, error) {
	var c leadrouter.Contact
	err := s.Scan(&c.ID, &c.AccountID, &c.LeadID, &c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// insertContact is InsertContact's statement (TestWritesScanNoTable reads
// its program).
const insertContact = `INSERT INTO contacts (id, account_id, lead_id, first_name, last_name, email, phone, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// InsertContact stores a contact created by converting a lead. Contacts are
// never listed to partners: they see a contact only through an
// opportunity's view, redacted as its lead is.
func (tx *Tx) InsertContact(ctx context.Context, c *leadrouter.Contact) error {
	if c.ID == "" {
		c.ID = leadrouter.NewID("con")
	}
	c.CreatedAt = tx.now
	if _, err := tx.Exec(ctx, insertContact, c.ID, c.AccountID, nullString(c.LeadID), c.FirstName, c.LastName, c.Email, c.Phone, c.CreatedAt); err != nil {
		return fmt.Errorf("insert contact: %w", err)
	}
	// Its person tokens, for the support desk's search (see personTokens):
	// a conversion is rare enough to write them at once.
	tokens := personTokens(c.FirstName, c.LastName, c.Phone)
	if len(tokens) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(tokens))
	for _, tok := range tokens {
		args = append(args, tok, "contact", c.ID)
	}
	if _, err := tx.Exec(ctx, insertTokens+valueRows(3, len(tokens))+tokensOnConflict, args...); err != nil {
		return fmt.Errorf("index contact: %w", err)
	}
	return nil
}

// Contact returns one contact (for staff and workflows; partners reach
// contacts only through redacting views).
func (tx *Tx) Contact(ctx context.Context, id string) (leadrouter.Contact, error) {
	c, err := scanContact(tx.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
	return c, notFound(err, "Contact")
}

// ContactByEmail returns the oldest contact with email, or ENOTFOUND.
func (tx *Tx) ContactByEmail(ctx context.Context, email string) (leadrouter.Contact, error) {
	if email == "" {
		return leadrouter.Contact{}, leadrouter.Errorf(leadrouter.ENOTFOUND, "Contact not found.")
	}
	c, err := scanContact(tx.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE email = ? ORDER BY id LIMIT 1`, email))
	return c, notFound(err, "Contact")
}
