package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// insertWebhook is InsertWebhook's statement up to its cursor's values;
// webhookCursorEnd is SQLite's (TestWritesScanNoTable reads its program).
const (
	insertWebhook    = `INSERT INTO webhooks (id, url, secret, events, active, created_at, cursor_seq, cursor_tx) VALUES (?, ?, ?, ?, ?, ?, `
	webhookCursorEnd = `(SELECT COALESCE(MAX(seq), 0) FROM events), 0`
)

// InsertWebhook stores a new subscription.
func (tx *Tx) InsertWebhook(ctx context.Context, h leadrouter.Webhook) error {
	raw, _ := json.Marshal(h.Events)
	// A new subscription gets the events of the transactions that begin
	// writing after it is made: its cursor starts at the end of the
	// events. On PostgreSQL that is the next transaction id (the
	// snapshot's xmax): every event committed before has a smaller order
	// key, so none is sent however old the oldest running transaction is;
	// an event of a transaction that was already writing is not sent
	// either, and every later transaction's key is at least xmax.
	end := webhookCursorEnd
	if tx.db.engine == Postgres {
		end = `0, pg_snapshot_xmax(pg_current_snapshot())`
	}
	if _, err := tx.Exec(ctx, insertWebhook+end+`)`,
		h.ID, h.URL, h.Secret, string(raw), h.Active, h.CreatedAt); err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	return nil
}

// SetWebhookActive pauses (active false) or resumes a subscription. A
// paused subscription keeps its place in the events; none is sent until it
// is resumed, then they go out in order.
func (tx *Tx) SetWebhookActive(ctx context.Context, id string, active bool) (leadrouter.Webhook, error) {
	res, err := tx.Exec(ctx, `UPDATE webhooks SET active = ? WHERE id = ? AND deleted_at IS NULL`, active, id)
	if err != nil {
		return leadrouter.Webhook{}, fmt.Errorf("update webhook %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return leadrouter.Webhook{}, leadrouter.Errorf(leadrouter.ENOTFOUND, "No webhook %s.", id)
	}
	return tx.Webhook(ctx, id)
}

// DeleteWebhook removes a subscription: nothing more is sent to it, and a
// delivery in flight is not retried. Its delivered count stays.
func (tx *Tx) DeleteWebhook(ctx context.Context, id string) error {
	res, err := tx.Exec(ctx, `UPDATE webhooks SET deleted_at = ?, active = ?, lease_token = '', head_id = NULL, head_seq = NULL WHERE id = ? AND deleted_at IS NULL`,
		tx.now, false, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "No webhook %s.", id)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE webhook_id = ? AND delivered_at IS NULL`, id); err != nil {
		return fmt.Errorf("drop queued deliveries of webhook %s: %w", id, err)
	}
	return nil
}

// Webhook reads one subscription (without its secret).
func (tx *Tx) Webhook(ctx context.Context, id string) (leadrouter.Webhook, error) {
	hooks, err := tx.webhooks(ctx, ` AND id = ?`, id)
	if err != nil {
		return leadrouter.Webhook{}, err
	}
	if len(hooks) == 0 {
		return leadrouter.Webhook{}, leadrouter.Errorf(leadrouter.ENOTFOUND, "No webhook %s.", id)
	}
	return hooks[0], nil
}

// Webhooks lists the subscribers (without secrets).
func (tx *Tx) Webhooks(ctx context.Context) ([]leadrouter.Webhook, error) {
	return tx.webhooks(ctx, "")
}

func (tx *Tx) webhooks(ctx context.Context, where string, args ...any) ([]leadrouter.Webhook, error) {
	rows, err := tx.Query(ctx, `SELECT id, url, events, active, created_at FROM webhooks WHERE deleted_at IS NULL`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []leadrouter.Webhook{}
	for rows.Next() {
		var h leadrouter.Webhook
		var events string
		if err := rows.Scan(&h.ID, &h.URL, &events, &h.Active, &h.CreatedAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(events), &h.Events)
		h.CreatedAt = h.CreatedAt.UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}
