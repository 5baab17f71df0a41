package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// mayManageTokens reports whether actor may list, issue and revoke the
// tokens of userID: an admin, or the user itself.
func mayManageTokens(actor leadrouter.Actor, userID string) bool {
	return actor.Is(leadrouter.RoleAdmin) || (actor.UserID != "" && actor.UserID == userID)
}

// Tokens lists userID's tokens, newest first (404 for users actor may not
// manage).
func (tx *Tx) Tokens(ctx context.Context, actor leadrouter.Actor, userID string) ([]leadrouter.Token, error) {
	if !mayManageTokens(actor, userID) {
		return nil, leadrouter.Errorf(leadrouter.ENOTFOUND, "User not found.")
	}
	if _, err := tx.User(ctx, leadrouter.System, userID); err != nil {
		return nil, err
	}
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

// IssueToken creates a token for userID and returns it with its secret,
// which is shown this once.
func (tx *Tx) IssueToken(ctx context.Context, actor leadrouter.Actor, userID string) (leadrouter.Token, string, error) {
	if !mayManageTokens(actor, userID) {
		return leadrouter.Token{}, "", leadrouter.Errorf(leadrouter.ENOTFOUND, "User not found.")
	}
	if _, err := tx.User(ctx, leadrouter.System, userID); err != nil {
		return leadrouter.Token{}, "", err
	}
	secret := newSecret("lr_")
	t := leadrouter.Token{ID: leadrouter.NewID("tok"), UserID: userID, CreatedAt: tx.now}
	if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, hash, user_id, created_at) VALUES (?, ?, ?, ?)`, t.ID, HashSecret(secret), userID, tx.now); err != nil {
		return leadrouter.Token{}, "", fmt.Errorf("insert token: %w", err)
	}
	if _, err := tx.AppendEvent(ctx, userID, "token_issued", actor, map[string]string{"token_id": t.ID}); err != nil {
		return leadrouter.Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes a token (again: no change) and returns it with the
// hash of its secret, so that the caller can drop it from caches.
func (tx *Tx) RevokeToken(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Token, string, error) {
	var hash string
	t, err := scanToken(tx.QueryRow(ctx, `SELECT id, user_id, created_at, revoked_at, hash FROM tokens WHERE id = ?`+tx.forUpdate(), id), &hash)
	if isNoRows(err) || (err == nil && !mayManageTokens(actor, t.UserID)) {
		return leadrouter.Token{}, "", leadrouter.Errorf(leadrouter.ENOTFOUND, "Token not found.")
	} else if err != nil {
		return leadrouter.Token{}, "", err
	}
	if t.RevokedAt != nil {
		return t, hash, nil
	}
	now := tx.now
	if _, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
		return leadrouter.Token{}, "", fmt.Errorf("revoke token: %w", err)
	}
	t.RevokedAt = &now
	if _, err := tx.AppendEvent(ctx, t.UserID, "token_revoked", actor, map[string]string{"token_id": t.ID}); err != nil {
		return leadrouter.Token{}, "", err
	}
	return t, hash, nil
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
