package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// An event's row holds its own hash only: the link to its predecessor
// (leadrouter.Event.PrevHash, which its hash covers) is the hash of the
// event before it in the timeline, read from there (eventColumns). On
// SQLite its time is an integer, nanoseconds since 1970 (see dbTime).
// Migration 0018 made the rows so.
const insertEvents = `INSERT INTO events (subject, n, type, actor, data, at, hash) VALUES `

// eventColumns reads events with their links: the first event of a
// timeline links to nothing (NULL, read as "").
const eventColumns = `seq, subject, n, type, actor, data, at, LAG(hash) OVER (PARTITION BY subject ORDER BY n) AS prev_hash, hash`

// insertKeyedEvents appends to a subject that has events already, on
// PostgreSQL: each row's order key is the greater of the transaction's id
// and the subject's previous key (keyedEventRows; the subject is the last
// argument).
const insertKeyedEvents = `INSERT INTO events (subject, n, type, actor, data, at, hash, tx) SELECT v.*, GREATEST(pg_current_xact_id(), h.tx) FROM (VALUES `

// keyedEventRows completes insertKeyedEvents for rows events.
func keyedEventRows(rows int) string {
	row := "(?, CAST(? AS BIGINT), ?, ?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS BYTEA))"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") +
		`) AS v (subject, n, type, actor, data, at, hash) LEFT JOIN event_heads h ON h.subject = ? ORDER BY v.n`
}

// NewEvent is an event to append: its type and data.
type NewEvent struct {
	Type string
	Data any
	// Published, when set, is the data the event hook (Options.OnEvent)
	// gets instead of Data: a compact event (a routing decision as codes,
	// a lead's creation without the lead's fields) with the fields it had
	// before it was compact. Webhook subscribers get what
	// leadrouter.Publication renders from the stored event.
	Published any
}

// AppendEvent adds an event to subject's timeline, chaining it to the
// subject's previous event.
func (tx *Tx) AppendEvent(ctx context.Context, subject, typ string, actor leadrouter.Actor, data any) (leadrouter.Event, error) {
	events, err := tx.AppendEvents(ctx, subject, actor, NewEvent{Type: typ, Data: data})
	if err != nil {
		return leadrouter.Event{}, err
	}
	return events[0], nil
}

// AppendEvents adds events to subject's timeline in order. The head row is
// locked (upserted) first, so two transactions appending to one subject are
// serialised on both engines; it is advanced once for all of them.
func (tx *Tx) AppendEvents(ctx context.Context, subject string, actor leadrouter.Actor, events ...NewEvent) ([]leadrouter.Event, error) {
	var n int64
	var prev string
	var prevBytes []byte
	var err error
	// A subject created in this transaction with deferred writes (a new
	// lead) has its head in memory: nobody else can see it yet.
	pending := tx.deferred.pendingHead(subject)
	if pending != nil {
		n, prev = pending.n, pending.hash
	} else if err = tx.QueryRow(ctx, `INSERT INTO event_heads (subject, n, hash) VALUES (?, 0, ?)
		ON CONFLICT (subject) DO UPDATE SET n = event_heads.n RETURNING n, hash`, subject, []byte{}).Scan(&n, &prevBytes); err != nil {
		return nil, fmt.Errorf("lock timeline of %s: %w", subject, translate(err))
	} else {
		prev = hashText(prevBytes)
	}
	out := make([]leadrouter.Event, 0, len(events))
	published := make([]leadrouter.Event, 0, len(events))
	args := make([]any, 0, eventArgs*len(events))
	for _, ne := range events {
		raw := []byte("{}")
		if ne.Data != nil {
			if raw, err = json.Marshal(ne.Data); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", ne.Type, err)
			}
		}
		n++
		e := leadrouter.Event{Subject: subject, N: n, Type: ne.Type, Actor: actor.Label(), Data: raw, At: tx.now, PrevHash: prev}
		if key := tx.db.auditKey; len(key) > 0 {
			e.Hash = e.ComputeKeyedHash(key)
		} else {
			e.Hash = e.ComputeHash()
		}
		args = append(args, e.Subject, e.N, e.Type, e.Actor, tx.eventData(e.Type, e.Data), tx.timeArg(e.At), hashBytes(e.Hash))
		prev = e.Hash
		out = append(out, e)
		pub := e
		if ne.Published != nil {
			if pub.Data, err = json.Marshal(ne.Published); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", ne.Type, err)
			}
		}
		published = append(published, pub)
	}
	// One statement for all of them: a lead's capture appends five.
	if pending != nil {
		for i := 0; i < len(args); i += eventArgs {
			tx.deferred.events = append(tx.deferred.events, args[i:i+eventArgs])
		}
		pending.n, pending.hash = n, prev
	} else if len(out) > 0 {
		insert := insertEvents + valueRows(eventArgs, len(out))
		if tx.db.engine == Postgres {
			// Each event carries its order key (events.tx; see migration
			// 0017): the transaction's id, or the subject's previous key
			// when that is greater. (A new subject's deferred events take
			// the transaction's id by default.)
			insert, args = insertKeyedEvents+keyedEventRows(len(out)), append(args, subject)
		}
		if _, err := tx.Exec(ctx, insert, args...); err != nil {
			return nil, fmt.Errorf("append %d events to %s: %w", len(out), subject, err)
		}
	}
	// Webhook subscribers read the events table (see webhooks.go): nothing
	// more is written for them here.
	for _, e := range published {
		if h := tx.db.onEvent; h != nil {
			if err := h(ctx, tx, e); err != nil {
				return nil, err
			}
		}
	}
	if pending != nil {
		return out, nil
	}
	advance := `UPDATE event_heads SET n = ?, hash = ?, ckpt = 0 WHERE subject = ?`
	if tx.db.engine == Postgres {
		advance = `UPDATE event_heads SET n = ?, hash = ?, ckpt = 0, tx = GREATEST(pg_current_xact_id(), tx) WHERE subject = ?`
	}
	if _, err := tx.Exec(ctx, advance, n, hashBytes(prev), subject); err != nil {
		return nil, fmt.Errorf("advance timeline of %s: %w", subject, err)
	}
	return out, nil
}

// valueRows returns "(?, ?), (?, ?)" for rows rows of cols placeholders:
// the VALUES of a multi-row INSERT.
func valueRows(cols, rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// Timeline returns subject's events, oldest first, without the webhook
// events published on their own (EventPublished: they stay in the hash
// chain, which the audit reads whole).
func (tx *Tx) Timeline(ctx context.Context, subject string) ([]leadrouter.Event, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM (SELECT `+eventColumns+` FROM events WHERE subject = ?) AS t WHERE type <> ? ORDER BY n`,
		subject, leadrouter.EventPublished)
	if err != nil {
		return nil, fmt.Errorf("read timeline of %s: %w", subject, err)
	}
	defer rows.Close()
	var out []leadrouter.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEvent(s interface{ Scan(...any) error }) (leadrouter.Event, error) {
	var e leadrouter.Event
	var data storedData
	var prevHash, hash []byte
	var at dbTime
	if err := s.Scan(&e.Seq, &e.Subject, &e.N, &e.Type, &e.Actor, &data, &at, &prevHash, &hash); err != nil {
		return e, fmt.Errorf("scan event: %w", err)
	}
	e.PrevHash, e.Hash = hashText(prevHash), hashText(hash)
	e.At = time.Time(at).UTC()
	e.Data = json.RawMessage(data)
	return e, nil
}

// eventArgs is the number of values an event's row is inserted with.
const eventArgs = 7
