package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// Tokens lists userID's tokens, newest first.
func (tx *Tx) Tokens(ctx context.Context, userID string) ([]leadrouter.Token, error) {
	rows, err := tx.Query(ctx, `SELECT id, user_id, created_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY id DESC LIMIT 500`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []leadrouter.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// InsertToken creates a token for userID and returns it with its secret,
// which is shown this once (only its hash is stored).
func (tx *Tx) InsertToken(ctx context.Context, userID string) (leadrouter.Token, string, error) {
	secret := newSecret("lr_")
	t := leadrouter.Token{ID: leadrouter.NewID("tok"), UserID: userID, CreatedAt: tx.now}
	if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, hash, user_id, created_at) VALUES (?, ?, ?, ?)`, t.ID, HashSecret(secret), userID, tx.now); err != nil {
		return leadrouter.Token{}, "", fmt.Errorf("insert token: %w", err)
	}
	return t, secret, nil
}

// TokenForUpdate reads a token, locked for the rest of tx, with the hash
// of its secret (under which it is cached).
func (tx *Tx) TokenForUpdate(ctx context.Context, id string) (leadrouter.Token, string, error) {
	var hash string
	t, err := scanToken(tx.QueryRow(ctx, `SELECT id, user_id, created_at, revoked_at, hash FROM tokens WHERE id = ?`+tx.forUpdate(), id), &hash)
	if isNoRows(err) {
		return leadrouter.Token{}, "", leadrouter.Errorf(leadrouter.ENOTFOUND, "Token not found.")
	}
	return t, hash, err
}

// MarkTokenRevoked records that a token was revoked at t.RevokedAt.
func (tx *Tx) MarkTokenRevoked(ctx context.Context, t leadrouter.Token) error {
	if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, t.RevokedAt, t.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

func scanToken(s interface{ Scan(...any) error }, extra ...any) (leadrouter.Token, error) {
	var t leadrouter.Token
	var revoked sql.NullTime
	if err := s.Scan(append([]any{&t.ID, &t.UserID, &t.CreatedAt, &revoked}, extra...)...); err != nil {
		return t, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if revoked.Valid {
		at := revoked.Time.UTC()
		t.RevokedAt = &at
	}
	return t, nil
}
