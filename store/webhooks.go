package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
)

// webhookCache keeps the subscriptions (paused ones included) for a short
// while, since every event write consults it.
type webhookCache struct {
	mu     sync.Mutex
	hooks  []leadrouter.Webhook
	loaded time.Time
}

func (db *DB) hookCache() *webhookCache { return &db.hooks }

// forgetWebhooks makes the next event write re-read the subscriptions
// once tx commits.
func (tx *Tx) forgetWebhooks() {
	cache := tx.db.hookCache()
	tx.AfterCommit(func() { cache.mu.Lock(); cache.loaded = time.Time{}; cache.mu.Unlock() })
}

// InsertWebhook stores a new subscription.
func (tx *Tx) InsertWebhook(ctx context.Context, h leadrouter.Webhook) error {
	raw, _ := json.Marshal(h.Events)
	if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, url, secret, events, active, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		h.ID, h.URL, h.Secret, string(raw), h.Active, h.CreatedAt); err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	tx.forgetWebhooks()
	return nil
}

// SetWebhookActive pauses (active false) or resumes a subscription. A
// paused subscription keeps queueing its events; none is sent until it is
// resumed, then they go out in order.
func (tx *Tx) SetWebhookActive(ctx context.Context, id string, active bool) (leadrouter.Webhook, error) {
	res, err := tx.Exec(ctx, `UPDATE webhooks SET active = ? WHERE id = ? AND deleted_at IS NULL`, active, id)
	if err != nil {
		return leadrouter.Webhook{}, fmt.Errorf("update webhook %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return leadrouter.Webhook{}, leadrouter.Errorf(leadrouter.ENOTFOUND, "No webhook %s.", id)
	}
	tx.forgetWebhooks()
	return tx.Webhook(ctx, id)
}

// DeleteWebhook removes a subscription: nothing more is queued to it, its
// pending deliveries are dropped, and a delivery in flight is not
// retried. Its delivered rows stay for the counts.
func (tx *Tx) DeleteWebhook(ctx context.Context, id string) error {
	res, err := tx.Exec(ctx, `UPDATE webhooks SET deleted_at = ?, active = ?, lease_token = '', head_id = NULL WHERE id = ? AND deleted_at IS NULL`,
		tx.now, false, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "No webhook %s.", id)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM outbox WHERE webhook_id = ? AND delivered_at IS NULL`, id); err != nil {
		return fmt.Errorf("drop deliveries of webhook %s: %w", id, err)
	}
	tx.forgetWebhooks()
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

// subscribedWebhooks returns the subscribers, paused ones included (their
// events wait for them), re-read every 2 seconds.
func (tx *Tx) subscribedWebhooks(ctx context.Context) ([]leadrouter.Webhook, error) {
	c := tx.db.hookCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loaded) < 2*time.Second {
		return c.hooks, nil
	}
	all, err := tx.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	c.hooks = all
	c.loaded = time.Now()
	return c.hooks, nil
}

// enqueueWebhooks writes outbox rows for an event in the event's own
// transaction, so a committed change always has its notifications and a
// rolled-back one never does.
func (tx *Tx) enqueueWebhooks(ctx context.Context, e leadrouter.Event) error {
	name, ok := leadrouter.WebhookEvent(e)
	if !ok {
		return nil
	}
	hooks, err := tx.subscribedWebhooks(ctx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	payload := leadrouter.WebhookPayload(name, e)
	for _, h := range hooks {
		if !h.Subscribes(name) {
			continue
		}
		if d := tx.deferred; d != nil {
			// In a batch: written with the batch's rows, one statement
			// for all of them.
			d.outbox = append(d.outbox, []any{h.ID, name, string(payload)})
			continue
		}
		// The subscription may have been deleted since the cache was read
		// (by another process): then nothing is queued.
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (webhook_id, event_type, payload, attempts, next_attempt_at, created_at)
			SELECT id, ?, ?, 0, ?, ? FROM webhooks WHERE id = ? AND deleted_at IS NULL`,
			name, string(payload), tx.now, tx.now, h.ID); err != nil {
			return fmt.Errorf("enqueue webhook: %w", err)
		}
	}
	return nil
}

// Delivery is the head of one subscription's queue, leased to the caller
// of ClaimDeliveries or FinishDelivery: nobody else sends it, nor anything
// queued after it, until the caller finishes it or the lease runs out.
type Delivery struct {
	// ID is the outbox row's id (the delivery id receivers see).
	ID        int64
	WebhookID string
	// Sequence numbers a subscription's events 1, 2, 3, ... in the order
	// they are delivered; a retry or a redelivery keeps its number.
	Sequence int64
	URL      string
	Secret   string
	Event    string
	Payload  []byte
	// Attempts counts the earlier attempts to deliver this row.
	Attempts int
	// lease identifies the lease the row is held under.
	lease string
}

// lockSkipLocked is the suffix of a SELECT over webhooks w that locks the
// rows it returns and skips those another transaction holds (PostgreSQL;
// SQLite has one writer). NO KEY UPDATE, unlike UPDATE, does not wait for
// the transactions that are enqueueing events (their outbox rows' foreign
// keys hold KEY SHARE locks on the webhook).
func (tx *Tx) lockSkipLocked() string {
	if tx.db.engine == Postgres {
		return " FOR NO KEY UPDATE OF w SKIP LOCKED"
	}
	return ""
}

// lockNoKey is lockSkipLocked waiting for the row instead of skipping it.
func (tx *Tx) lockNoKey() string {
	if tx.db.engine == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// ClaimDeliveries leases the heads of up to limit subscriptions whose queue
// holds undelivered events and is neither leased nor backing off, least
// recently served first, and returns them. The lease lasts for lease; each
// subscription has at most one holder, so two server processes never send
// the same event at the same time nor a subscription's events out of order.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	var out []Delivery
	err := db.Update(ctx, func(tx *Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `SELECT w.id, w.url, w.secret, w.head_id, w.last_sequence FROM webhooks w
			WHERE w.active AND w.deleted_at IS NULL AND w.next_attempt_at <= ? AND EXISTS (SELECT 1 FROM outbox o WHERE o.webhook_id = w.id AND o.delivered_at IS NULL)
			ORDER BY w.next_attempt_at, w.id LIMIT ?`+tx.lockSkipLocked(), tx.now, limit)
		if err != nil {
			return fmt.Errorf("claim webhooks: %w", err)
		}
		var queues []webhookQueue
		for rows.Next() {
			var q webhookQueue
			if err := rows.Scan(&q.id, &q.url, &q.secret, &q.headID, &q.lastSequence); err != nil {
				rows.Close()
				return err
			}
			queues = append(queues, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, q := range queues {
			d, ok, err := tx.leaseHead(ctx, q, newSecret("lease_"), lease)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// webhookQueue is a subscription's delivery state, read under its lock.
type webhookQueue struct {
	id, url, secret string
	headID          sql.NullInt64
	lastSequence    int64
}

// leaseHead finds the head of q's queue (the row already being delivered,
// else the oldest undelivered one), numbers it if it has no sequence yet,
// and leases the subscription under token until now+lease. It reports false
// when the queue is empty.
//
// "Oldest" is by id among the committed rows. On PostgreSQL two concurrent
// transactions may commit in the other order than they took their ids, so
// the later id may be sent first; such events are unrelated (neither
// transaction saw the other's change), and the sequence follows the order
// actually sent. A change made after another committed always gets a
// greater id and is sent after it.
func (tx *Tx) leaseHead(ctx context.Context, q webhookQueue, token string, lease time.Duration) (Delivery, bool, error) {
	d := Delivery{WebhookID: q.id, URL: q.url, Secret: q.secret, lease: token}
	var sequence sql.NullInt64
	var payload string
	err := sql.ErrNoRows
	if q.headID.Valid {
		err = tx.QueryRow(ctx, `SELECT id, event_type, payload, attempts, sequence FROM outbox WHERE id = ? AND delivered_at IS NULL`, q.headID.Int64).
			Scan(&d.ID, &d.Event, &payload, &d.Attempts, &sequence)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRow(ctx, `SELECT id, event_type, payload, attempts, sequence FROM outbox WHERE webhook_id = ? AND delivered_at IS NULL ORDER BY id LIMIT 1`, q.id).
			Scan(&d.ID, &d.Event, &payload, &d.Attempts, &sequence)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read head of webhook %s: %w", q.id, err)
	}
	d.Payload = []byte(payload)
	d.Sequence = sequence.Int64
	if !sequence.Valid {
		q.lastSequence++
		d.Sequence = q.lastSequence
		if _, err := tx.Exec(ctx, `UPDATE outbox SET sequence = ? WHERE id = ?`, d.Sequence, d.ID); err != nil {
			return d, false, fmt.Errorf("number delivery %d: %w", d.ID, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE webhooks SET head_id = ?, last_sequence = ?, lease_token = ?, next_attempt_at = ? WHERE id = ?`,
		d.ID, q.lastSequence, token, tx.now.Add(lease), q.id); err != nil {
		return d, false, fmt.Errorf("lease webhook %s: %w", q.id, err)
	}
	return d, true, nil
}

// FinishDelivery records the outcome of sending d. Delivered, d leaves the
// queue; then, when next is positive, the subscription's new head is leased
// for next and returned (ok true) so the caller goes on without a new
// claim, and otherwise the subscription is released. Failed, d stays at the
// head and the subscription waits for backoff. When the caller's lease ran
// out and another holder took over, only a success is recorded (the event
// may then be sent twice: delivery is at least once).
func (db *DB) FinishDelivery(ctx context.Context, d Delivery, deliveryErr error, backoff, next time.Duration) (head Delivery, ok bool, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		head, ok = Delivery{}, false
		var q webhookQueue
		var active bool
		err := tx.QueryRow(ctx, `SELECT id, url, secret, head_id, last_sequence, active FROM webhooks WHERE id = ? AND lease_token = ?`+tx.lockNoKey(), d.WebhookID, d.lease).
			Scan(&q.id, &q.url, &q.secret, &q.headID, &q.lastSequence, &active)
		held := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read webhook %s: %w", d.WebhookID, err)
		}
		if deliveryErr != nil {
			if !held {
				return nil
			}
			msg := deliveryErr.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, msg, tx.now.Add(backoff), d.ID); err != nil {
				return fmt.Errorf("record failed delivery %d: %w", d.ID, err)
			}
			_, err := tx.Exec(ctx, `UPDATE webhooks SET lease_token = '', next_attempt_at = ? WHERE id = ?`, tx.now.Add(backoff), d.WebhookID)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND delivered_at IS NULL`, tx.now, d.ID); err != nil {
			return fmt.Errorf("record delivery %d: %w", d.ID, err)
		}
		if !held {
			return nil
		}
		// A paused subscription sends nothing more until resumed.
		if next > 0 && active {
			q.headID = sql.NullInt64{}
			if head, ok, err = tx.leaseHead(ctx, q, d.lease, next); err != nil || ok {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET head_id = NULL, lease_token = '', next_attempt_at = ? WHERE id = ?`, tx.now, d.WebhookID)
		return err
	})
	return head, ok, err
}

// RenewLease extends the lease d is held under until lease from now, so a
// holder that is still working keeps its subscription while a crashed
// one's lease runs out soon. It reports false when the lease was lost
// (it ran out and another holder took over, or the subscription was
// deleted): the caller must stop sending.
func (db *DB) RenewLease(ctx context.Context, d Delivery, lease time.Duration) (bool, error) {
	held := false
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE webhooks SET next_attempt_at = ? WHERE id = ? AND lease_token = ?`, tx.now.Add(lease), d.WebhookID, d.lease)
		if err != nil {
			return fmt.Errorf("renew lease of webhook %s: %w", d.WebhookID, err)
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// ReleaseDelivery gives d's subscription back without counting an attempt
// (the sender is shutting down): the next claim, by any server process,
// sends d again.
func (db *DB) ReleaseDelivery(ctx context.Context, d Delivery) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE webhooks SET lease_token = '', next_attempt_at = ? WHERE id = ? AND lease_token = ?`, tx.now, d.WebhookID, d.lease)
		return err
	})
}

// OutboxStats counts pending and delivered notifications (pending ones of
// deleted subscriptions, which are never sent, not included).
func (db *DB) OutboxStats(ctx context.Context) (pending, delivered int64, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN o.delivered_at IS NULL AND w.deleted_at IS NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN o.delivered_at IS NULL THEN 0 ELSE 1 END), 0) FROM outbox o JOIN webhooks w ON w.id = o.webhook_id`).Scan(&pending, &delivered)
	})
	return pending, delivered, err
}
