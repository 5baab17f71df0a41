package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// StoredResponse is the first answer given to an idempotent request.
type StoredResponse struct {
	RequestHash string
	Status      int
	Body        []byte
}

// ClaimIdempotencyKey reserves (userID, key) inside the transaction. It
// returns nil, nil when the key is new (the caller does the work and calls
// SaveIdempotentResponse in the same transaction), or the stored response of
// the first request. A concurrent request with the same key blocks on the
// key's row (PostgreSQL) or on the single writer (SQLite) until the first
// commits, then sees its response.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, userID, key, requestHash string) (*StoredResponse, error) {
	res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, 0, '', ?)
		ON CONFLICT (user_id, key) DO NOTHING`, userID, key, requestHash, tx.now)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var r StoredResponse
	var body string
	err = tx.QueryRow(ctx, `SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = ? AND key = ?`, userID, key).Scan(&r.RequestHash, &r.Status, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errRetry{err}
	} else if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	r.Body = []byte(body)
	return &r, nil
}

// SaveIdempotentResponse stores the answer for a claimed key.
func (tx *Tx) SaveIdempotentResponse(ctx context.Context, userID, key string, status int, body []byte) error {
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE user_id = ? AND key = ?`, status, string(body), userID, key); err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}
