package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/leadrouter/leadrouter"
)

// WebhookEvents maps timeline event types to the webhook events they
// publish; a status change publishes lead.qualified when it moves a lead to
// qualified.
var WebhookEvents = map[string]string{
	leadrouter.EventCreated:      "lead.created",
	leadrouter.EventRouted:       "lead.routed",
	leadrouter.EventConverted:    "lead.converted",
	leadrouter.EventHandoff:      "opportunity.handed_off",
	leadrouter.EventRegistration: "registration.decided",
}

// WebhookEventNames lists the events a webhook may subscribe to.
var WebhookEventNames = []string{"lead.created", "lead.routed", "lead.qualified", "lead.converted", "opportunity.handed_off", "registration.decided"}

// Webhook is a subscriber to lifecycle events.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// webhookCache keeps the active webhooks for a short while: every event
// write consults it.
type webhookCache struct {
	mu     sync.Mutex
	hooks  []Webhook
	loaded time.Time
}

func (db *DB) hookCache() *webhookCache { return &db.hooks }

// CreateWebhook stores a subscriber and returns it with its signing secret.
func (tx *Tx) CreateWebhook(ctx context.Context, actor leadrouter.Actor, rawURL string, events []string) (Webhook, error) {
	if err := actor.Require(leadrouter.RoleAdmin); err != nil {
		return Webhook{}, err
	}
	var v leadrouter.Validation
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		v.Add("url", "must be an absolute http(s) URL without credentials")
	}
	if len(events) == 0 {
		events = WebhookEventNames
	}
	for _, e := range events {
		if !contains(WebhookEventNames, e) {
			v.Add("events", "unknown event %q (want: %s)", e, strings.Join(WebhookEventNames, ", "))
		}
	}
	if err := v.Err(); err != nil {
		return Webhook{}, err
	}
	h := Webhook{ID: leadrouter.NewID("whk"), URL: rawURL, Events: events, Secret: newSecret("whsec_"), Active: true, CreatedAt: tx.now}
	raw, _ := json.Marshal(events)
	if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, url, secret, events, active, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		h.ID, h.URL, h.Secret, string(raw), true, h.CreatedAt); err != nil {
		return h, fmt.Errorf("insert webhook: %w", err)
	}
	cache := tx.db.hookCache()
	tx.AfterCommit(func() { cache.mu.Lock(); cache.loaded = time.Time{}; cache.mu.Unlock() })
	return h, nil
}

// Webhooks lists the subscribers (without secrets).
func (tx *Tx) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := tx.Query(ctx, `SELECT id, url, events, active, created_at FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var h Webhook
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

// activeWebhooks returns the active subscribers, re-read every 2 seconds.
func (tx *Tx) activeWebhooks(ctx context.Context) ([]Webhook, error) {
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
	c.hooks = c.hooks[:0]
	for _, h := range all {
		if h.Active {
			c.hooks = append(c.hooks, h)
		}
	}
	c.loaded = time.Now()
	return c.hooks, nil
}

// enqueueWebhooks writes outbox rows for an event in the event's own
// transaction, so a committed change always has its notifications and a
// rolled-back one never does.
func (tx *Tx) enqueueWebhooks(ctx context.Context, e leadrouter.Event) error {
	name, ok := WebhookEvents[e.Type]
	if e.Type == leadrouter.EventStatus && strings.Contains(string(e.Data), `"to":"qualified"`) {
		name, ok = "lead.qualified", true
	}
	if !ok {
		return nil
	}
	// A registration decision is also noted on the accounts and leads it
	// matched; it is published once, from the registration itself.
	if e.Type == leadrouter.EventRegistration && !strings.HasPrefix(e.Subject, "reg_") {
		return nil
	}
	hooks, err := tx.activeWebhooks(ctx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	payload, _ := json.Marshal(map[string]any{"event": name, "subject": e.Subject, "at": e.At.UTC().Format(time.RFC3339Nano), "actor": e.Actor, "data": e.Data})
	for _, h := range hooks {
		if !contains(h.Events, name) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (webhook_id, event_type, payload, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 0, ?, ?)`,
			h.ID, name, string(payload), tx.now, tx.now); err != nil {
			return fmt.Errorf("enqueue webhook: %w", err)
		}
	}
	return nil
}

// Delivery is one outbox row due for delivery.
type Delivery struct {
	ID       int64
	URL      string
	Secret   string
	Event    string
	Payload  []byte
	Attempts int
}

// ClaimDeliveries leases up to limit due outbox rows for lease (so another
// server process does not send them at the same time) and returns them.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	var out []Delivery
	err := db.Update(ctx, func(tx *Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `SELECT o.id, w.url, w.secret, o.event_type, o.payload, o.attempts FROM outbox o JOIN webhooks w ON w.id = o.webhook_id
			WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? AND w.active ORDER BY o.next_attempt_at LIMIT ?`, tx.now, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d Delivery
			var payload string
			if err := rows.Scan(&d.ID, &d.URL, &d.Secret, &d.Event, &payload, &d.Attempts); err != nil {
				rows.Close()
				return err
			}
			d.Payload = []byte(payload)
			out = append(out, d)
		}
		rows.Close()
		kept := out[:0]
		for _, d := range out {
			res, err := tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL AND next_attempt_at <= ?`, tx.now.Add(lease), d.ID, tx.now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				kept = append(kept, d)
			}
		}
		out = kept
		return nil
	})
	return out, err
}

// FinishDelivery records a delivery's outcome: delivered, or failed with
// the next attempt after backoff.
func (db *DB) FinishDelivery(ctx context.Context, id int64, deliveryErr error, backoff time.Duration) error {
	return db.Update(ctx, func(tx *Tx) error {
		var err error
		if deliveryErr == nil {
			_, err = tx.Exec(ctx, `UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`, tx.now, id)
		} else {
			msg := deliveryErr.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			_, err = tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, msg, tx.now.Add(backoff), id)
		}
		return err
	})
}

// OutboxStats counts pending and delivered notifications.
func (db *DB) OutboxStats(ctx context.Context) (pending, delivered int64, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END), 0) FROM outbox`).Scan(&pending, &delivered)
	})
	return pending, delivered, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = sql.ErrNoRows
