package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Webhook deliveries read the events table: each subscription has a cursor
// (the last event it is done with) and a head (the event being delivered
// or retried), and nothing is written for subscribers when an event is
// appended. Rows queued in the outbox before migration 0017 are sent
// first, each subscription's in order, then the events after its cursor.
//
// The order events are read in is the order of seq on SQLite, whose one
// writer numbers them in commit order, and of (tx, seq) on PostgreSQL,
// where only events older than every running transaction are read (see
// migration 0017): no event can appear behind a cursor later, and one
// subject's events are sent in the order they were appended.

// Delivery is the head of one subscription's queue, leased to the caller
// of ClaimDeliveries or FinishDelivery: nobody else sends it, nor anything
// queued after it, until the caller finishes it or the lease runs out.
type Delivery struct {
	// ID is the delivery id receivers see: the event's seq (or, for a row
	// queued in the outbox before events were read directly, its id; the
	// migration started events past them).
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
	// queued is true for a row of the outbox.
	queued bool
}

// webhookQueue is a subscription's delivery state, read under its lock.
type webhookQueue struct {
	id, url, secret string
	events          []string
	active          bool
	// headID is the outbox row at the head (rows queued before 0017).
	headID       sql.NullInt64
	lastSequence int64
	// cursor is the last event the subscription is done with.
	cursor eventPos
	// head is the event being delivered or retried (seq 0: none).
	head                       eventPos
	headSequence, headAttempts int64
}

// eventPos is a place in the order events are read in: seq, and on
// PostgreSQL the order key tx before it (as text; "0" on SQLite).
type eventPos struct {
	tx  string
	seq int64
}

// queueColumns are the columns scanQueue reads, of webhooks w.
const queueColumns = `w.id, w.url, w.secret, w.events, w.active, w.head_id, w.last_sequence, CAST(w.cursor_tx AS TEXT), w.cursor_seq,
	CAST(w.head_tx AS TEXT), w.head_seq, w.head_sequence, w.head_attempts`

func scanQueue(s interface{ Scan(...any) error }) (webhookQueue, error) {
	var q webhookQueue
	var events string
	var headTx sql.NullString
	var headSeq sql.NullInt64
	if err := s.Scan(&q.id, &q.url, &q.secret, &events, &q.active, &q.headID, &q.lastSequence, &q.cursor.tx, &q.cursor.seq,
		&headTx, &headSeq, &q.headSequence, &q.headAttempts); err != nil {
		return q, err
	}
	_ = json.Unmarshal([]byte(events), &q.events)
	if headSeq.Valid {
		q.head = eventPos{tx: headTx.String, seq: headSeq.Int64}
	}
	return q, nil
}

// queues reads the delivery state of the subscriptions w that match where
// (the rest of the statement, with its arguments).
func (tx *Tx) queues(ctx context.Context, where string, args ...any) ([]webhookQueue, error) {
	rows, err := tx.Query(ctx, `SELECT `+queueColumns+` FROM webhooks w WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhookQueue
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// xid8 is the placeholder of an order key. On SQLite the cast gives a
// number (the column is unused there).
const xid8 = `CAST(? AS xid8)`

// publishingTypes is the SQL list of the event types that may publish a
// webhook event (constants, so the statements stay the same).
var publishingTypes = func() string {
	var quoted []string
	for _, t := range leadrouter.WebhookEventTypes() {
		quoted = append(quoted, "'"+t+"'")
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}()

// afterCursor is the condition on events e that they come after the
// cursor of webhooks w and may be read.
func (tx *Tx) afterCursor() string {
	if tx.db.engine == Postgres {
		return `e.tx IS NOT NULL AND (e.tx, e.seq) > (w.cursor_tx, w.cursor_seq) AND e.tx < pg_snapshot_xmin(pg_current_snapshot()) AND e.type IN ` + publishingTypes
	}
	return `e.seq > w.cursor_seq AND e.type IN ` + publishingTypes
}

// lockSkipLocked is the suffix of a SELECT over webhooks w that locks the
// rows it returns and skips those another transaction holds (PostgreSQL;
// SQLite has one writer).
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

// ClaimDeliveries leases the heads of up to limit subscriptions that have
// something to send and are neither leased nor backing off, least recently
// served first, and returns them. The lease lasts for lease; each
// subscription has at most one holder, so two server processes never send
// the same event at the same time nor a subscription's events out of order.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	var out []Delivery
	err := db.Update(ctx, func(tx *Tx) error {
		out = out[:0]
		queues, err := tx.queues(ctx, `w.active AND w.deleted_at IS NULL AND w.next_attempt_at <= ? AND (w.head_seq IS NOT NULL
				OR EXISTS (SELECT 1 FROM outbox o WHERE o.webhook_id = w.id AND o.delivered_at IS NULL)
				OR EXISTS (SELECT 1 FROM events e WHERE `+tx.afterCursor()+`))
			ORDER BY w.next_attempt_at, w.id LIMIT ?`+tx.lockSkipLocked(), tx.now, limit)
		if err != nil {
			return fmt.Errorf("claim webhooks: %w", err)
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

// leaseHead finds the head of q's queue (the row or event already being
// delivered, else the oldest queued row, else the next event after the
// cursor that q subscribes to), numbers it if it has no sequence yet, and
// leases the subscription under token until now+lease. Events it passes
// over (not subscribed) move the cursor. It reports false when there is
// nothing to send.
func (tx *Tx) leaseHead(ctx context.Context, q webhookQueue, token string, lease time.Duration) (Delivery, bool, error) {
	d := Delivery{WebhookID: q.id, URL: q.url, Secret: q.secret, lease: token}
	ok, err := tx.queuedHead(ctx, &q, &d)
	if err == nil && !ok {
		ok, err = tx.eventHead(ctx, &q, &d)
	}
	if err != nil || !ok {
		return d, false, err
	}
	headID := sql.NullInt64{Int64: d.ID, Valid: d.queued}
	if _, err := tx.Exec(ctx, `UPDATE webhooks SET head_id = ?, last_sequence = ?, lease_token = ?, next_attempt_at = ? WHERE id = ?`,
		headID, q.lastSequence, token, tx.now.Add(lease), q.id); err != nil {
		return d, false, fmt.Errorf("lease webhook %s: %w", q.id, err)
	}
	return d, true, nil
}

// queuedHead reads the head of q's outbox rows, numbering it when it has
// no sequence yet.
//
// "Oldest" is by id among the committed rows. On PostgreSQL two concurrent
// transactions may have committed in the other order than they took their
// ids; such rows are unrelated (neither transaction saw the other's
// change).
func (tx *Tx) queuedHead(ctx context.Context, q *webhookQueue, d *Delivery) (bool, error) {
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
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read head of webhook %s: %w", q.id, err)
	}
	d.queued = true
	d.Payload = []byte(payload)
	d.Sequence = sequence.Int64
	if !sequence.Valid {
		q.lastSequence++
		d.Sequence = q.lastSequence
		if _, err := tx.Exec(ctx, `UPDATE outbox SET sequence = ? WHERE id = ?`, d.Sequence, d.ID); err != nil {
			return false, fmt.Errorf("number delivery %d: %w", d.ID, err)
		}
	}
	return true, nil
}

// scanChunk is how many events eventHead reads at a time, and
// scanChunks how many chunks it passes over in one call at most.
const (
	scanChunk  = 256
	scanChunks = 16
)

// eventHead reads the event at the head of q (or finds the next one it
// subscribes to, moving the cursor past those it does not, and makes it
// the head with the next sequence number).
func (tx *Tx) eventHead(ctx context.Context, q *webhookQueue, d *Delivery) (bool, error) {
	if q.head.seq != 0 {
		events, err := tx.eventsFrom(ctx, eventPos{tx: q.head.tx, seq: q.head.seq - 1}, 1, false)
		if err != nil {
			return false, err
		}
		if len(events) == 0 || events[0].Seq != q.head.seq {
			return false, fmt.Errorf("webhook %s: head event %d is gone", q.id, q.head.seq)
		}
		name, payload, err := tx.publication(ctx, events[0].Event)
		if err != nil {
			return false, err
		}
		d.ID, d.Event, d.Payload, d.Sequence, d.Attempts = q.head.seq, name, payload, q.headSequence, int(q.headAttempts)
		return true, nil
	}
	cursor := q.cursor
	for range scanChunks {
		events, err := tx.eventsFrom(ctx, cursor, scanChunk, true)
		if err != nil {
			return false, err
		}
		for _, e := range events {
			// Rendered only when subscribed: a lead's creation reads the lead.
			if name, ok := leadrouter.WebhookEvent(e.Event); !ok || !slices.Contains(q.events, name) {
				cursor = e.pos
				continue
			}
			name, payload, err := tx.publication(ctx, e.Event)
			if err != nil {
				return false, err
			}
			q.lastSequence++
			if _, err := tx.Exec(ctx, `UPDATE webhooks SET cursor_tx = `+xid8+`, cursor_seq = ?, head_tx = `+xid8+`, head_seq = ?,
				head_sequence = ?, head_attempts = 0, head_error = '' WHERE id = ?`,
				cursor.tx, cursor.seq, e.pos.tx, e.pos.seq, q.lastSequence, q.id); err != nil {
				return false, fmt.Errorf("take head of webhook %s: %w", q.id, err)
			}
			d.ID, d.Event, d.Payload, d.Sequence = e.Seq, name, payload, q.lastSequence
			return true, nil
		}
		if len(events) < scanChunk {
			break
		}
	}
	if cursor != q.cursor {
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET cursor_tx = `+xid8+`, cursor_seq = ? WHERE id = ?`, cursor.tx, cursor.seq, q.id); err != nil {
			return false, fmt.Errorf("move cursor of webhook %s: %w", q.id, err)
		}
	}
	return false, nil
}

// positioned is an event with its place in the order events are read in.
type positioned struct {
	leadrouter.Event
	pos eventPos
}

// eventsFrom reads up to limit events after pos that may publish a webhook
// event, in order; within the horizon (PostgreSQL: older than every running
// transaction) when horizon is set.
func (tx *Tx) eventsFrom(ctx context.Context, pos eventPos, limit int, horizon bool) ([]positioned, error) {
	query := `SELECT seq, '0', subject, n, type, actor, data, at FROM events WHERE seq > ? AND type IN ` + publishingTypes + ` ORDER BY seq LIMIT ?`
	args := []any{pos.seq, limit}
	if tx.db.engine == Postgres {
		within := ""
		if horizon {
			within = ` AND tx < pg_snapshot_xmin(pg_current_snapshot())`
		}
		query = `SELECT seq, CAST(tx AS TEXT), subject, n, type, actor, data, at FROM events
			WHERE tx IS NOT NULL AND (tx, seq) > (` + xid8 + `, ?)` + within + ` AND type IN ` + publishingTypes + ` ORDER BY tx, seq LIMIT ?`
		args = []any{pos.tx, pos.seq, limit}
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events to publish: %w", err)
	}
	defer rows.Close()
	var out []positioned
	for rows.Next() {
		var e positioned
		var data storedData
		var at dbTime
		if err := rows.Scan(&e.Seq, &e.pos.tx, &e.Subject, &e.N, &e.Type, &e.Actor, &data, &at); err != nil {
			return nil, fmt.Errorf("scan event to publish: %w", err)
		}
		e.pos.seq = e.Seq
		e.At = time.Time(at).UTC()
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// publication renders what subscribers get for e ("" when it publishes
// nothing): a lead's creation with the lead's fields, read now.
func (tx *Tx) publication(ctx context.Context, e leadrouter.Event) (string, []byte, error) {
	var lead *leadrouter.Lead
	if e.Type == leadrouter.EventCreated {
		l, err := tx.Lead(ctx, leadrouter.System, e.Subject)
		switch {
		case err == nil:
			lead = &l
		case leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND:
			return "", nil, err
		}
	}
	name, payload, ok := leadrouter.Publication(e, lead)
	if !ok {
		return "", nil, nil
	}
	return name, payload, nil
}

// EventsHeldBack counts the events that may publish a webhook event and
// that subscribers cannot read yet because a transaction older than theirs
// (anywhere on the PostgreSQL server) is still running; always 0 on
// SQLite.
func (db *DB) EventsHeldBack(ctx context.Context) (int64, error) {
	if db.engine != Postgres {
		return 0, nil
	}
	var n int64
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM events WHERE tx IS NOT NULL AND tx >= pg_snapshot_xmin(pg_current_snapshot()) AND type IN `+publishingTypes).Scan(&n)
	})
	return n, err
}

// Publication is a webhook event as subscribers get it, but for its
// sequence number.
type Publication struct {
	// Seq is the event's seq (the delivery id).
	Seq     int64
	Event   string
	Payload []byte
}

// Publications returns every webhook event published so far, in the
// order subscribers get them (on PostgreSQL, running transactions'
// included), as they would get them now. It reads every event: it is for
// tests and tools.
func (tx *Tx) Publications(ctx context.Context) ([]Publication, error) {
	events, err := tx.eventsFrom(ctx, eventPos{tx: "0"}, 1<<30, false)
	if err != nil {
		return nil, err
	}
	var out []Publication
	for _, e := range events {
		name, payload, err := tx.publication(ctx, e.Event)
		if err != nil {
			return nil, err
		}
		if name != "" {
			out = append(out, Publication{Seq: e.Seq, Event: name, Payload: payload})
		}
	}
	return out, nil
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
		err := tx.QueryRow(ctx, `SELECT id FROM webhooks WHERE id = ? AND lease_token = ?`+tx.lockNoKey(), d.WebhookID, d.lease).Scan(new(string))
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
			if d.queued {
				_, err = tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, msg, tx.now.Add(backoff), d.ID)
			} else {
				_, err = tx.Exec(ctx, `UPDATE webhooks SET head_attempts = head_attempts + 1, head_error = ? WHERE id = ? AND head_seq = ?`, msg, d.WebhookID, d.ID)
			}
			if err != nil {
				return fmt.Errorf("record failed delivery %d: %w", d.ID, err)
			}
			_, err := tx.Exec(ctx, `UPDATE webhooks SET lease_token = '', next_attempt_at = ? WHERE id = ?`, tx.now.Add(backoff), d.WebhookID)
			return err
		}
		if d.queued {
			_, err = tx.Exec(ctx, `UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND delivered_at IS NULL`, tx.now, d.ID)
		} else {
			// The cursor moves to the event only while it is the head (a
			// holder whose lease ran out may report it after the next
			// holder moved on).
			_, err = tx.Exec(ctx, `UPDATE webhooks SET cursor_tx = head_tx, cursor_seq = head_seq, head_tx = NULL, head_seq = NULL,
				head_attempts = 0, head_error = '', delivered = delivered + 1 WHERE id = ? AND head_seq = ?`, d.WebhookID, d.ID)
		}
		if err != nil {
			return fmt.Errorf("record delivery %d: %w", d.ID, err)
		}
		if !held {
			return nil
		}
		q, err := scanQueue(tx.QueryRow(ctx, `SELECT `+queueColumns+` FROM webhooks w WHERE w.id = ?`, d.WebhookID))
		if err != nil {
			return fmt.Errorf("read webhook %s: %w", d.WebhookID, err)
		}
		// A paused subscription sends nothing more until resumed.
		if next > 0 && q.active {
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

// OutboxCounts are the outbox's figures for GET /api/v1/webhooks.
type OutboxCounts struct {
	// Pending counts the events after each live subscription's cursor
	// that it subscribes to. When PendingExact is false some subscription
	// is further behind than OutboxStats was asked to read, and Pending is
	// a lower bound.
	Pending      int64
	PendingExact bool
	// Delivered counts the deliveries made, to deleted subscriptions too.
	Delivered int64
}

// OutboxStats counts the events waiting for the subscriptions (deleted
// ones not included) and those delivered. It reads at most countUpTo
// events after each subscription's cursor: a subscription paused for
// months would otherwise have every request read the millions of events
// since.
func (db *DB) OutboxStats(ctx context.Context, countUpTo int) (OutboxCounts, error) {
	c := OutboxCounts{PendingExact: true}
	err := db.View(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN o.delivered_at IS NULL AND w.deleted_at IS NULL THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN o.delivered_at IS NULL THEN 0 ELSE 1 END), 0) FROM outbox o JOIN webhooks w ON w.id = o.webhook_id`).Scan(&c.Pending, &c.Delivered); err != nil {
			return err
		}
		var sent int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(delivered), 0) FROM webhooks`).Scan(&sent); err != nil {
			return err
		}
		c.Delivered += sent
		queues, err := tx.queues(ctx, `w.deleted_at IS NULL`)
		if err != nil {
			return err
		}
		for _, q := range queues {
			n, exact, err := tx.pendingEvents(ctx, q, countUpTo)
			if err != nil {
				return err
			}
			c.Pending += n
			c.PendingExact = c.PendingExact && exact
		}
		return nil
	})
	return c, err
}

// pendingEvents counts the events after q's cursor that publish an event q
// subscribes to, by the rules of leadrouter.WebhookSources, among the
// first upTo+1 events after it that may publish one; exact is false when
// there are more than that.
func (tx *Tx) pendingEvents(ctx context.Context, q webhookQueue, upTo int) (n int64, exact bool, err error) {
	var conds []string
	var args []any
	for _, s := range leadrouter.WebhookSources() {
		if !slices.Contains(q.events, s.Name) {
			continue
		}
		cond := `(type = ? AND substr(subject, 1, ?) = ?`
		args = append(args, s.Type, len(s.SubjectPrefix), s.SubjectPrefix)
		if s.DataPrefix != "" || s.DataContains != "" {
			// Such types are stored as text (textEventTypes).
			cond += ` AND substr(data, 1, ?) = ? AND data LIKE ?`
			args = append(args, len(s.DataPrefix), s.DataPrefix, "%"+s.DataContains+"%")
		}
		conds = append(conds, cond+")")
	}
	if len(conds) == 0 {
		return 0, true, nil
	}
	// The events after the cursor in the deliverer's order (eventsFrom),
	// as far as upTo+1 of them.
	window := `SELECT type, subject, data FROM events WHERE seq > ? AND type IN ` + publishingTypes + ` ORDER BY seq LIMIT ?`
	pos := []any{q.cursor.seq, upTo + 1}
	if tx.db.engine == Postgres {
		window = `SELECT type, subject, data FROM events WHERE tx IS NOT NULL AND (tx, seq) > (` + xid8 + `, ?) AND type IN ` + publishingTypes + ` ORDER BY tx, seq LIMIT ?`
		pos = []any{q.cursor.tx, q.cursor.seq, upTo + 1}
	}
	var read int64
	err = tx.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN `+strings.Join(conds, " OR ")+` THEN 1 ELSE 0 END), 0), COUNT(*) FROM (`+window+`) w`,
		append(args, pos...)...).Scan(&n, &read)
	if err != nil {
		return 0, false, fmt.Errorf("count pending events of webhook %s: %w", q.id, err)
	}
	if read <= int64(upTo) {
		return n, true, nil
	}
	// The count includes the event past the bound read to tell that there
	// are more; without it, it is still a lower bound.
	return min(n, int64(upTo)), false, nil
}
