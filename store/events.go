package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/leadrouter/leadrouter"
)

const insertEvents = `INSERT INTO events (subject, n, type, actor, data, at, prev_hash, hash) VALUES `

// NewEvent is an event to append: its type and data.
type NewEvent struct {
	Type string
	Data any
}

// AppendEvent adds an event to subject's timeline, chaining it to the
// subject's previous event.
func (tx *Tx) AppendEvent(ctx context.Context, subject, typ string, actor leadrouter.Actor, data any) (leadrouter.Event, error) {
	events, err := tx.AppendEvents(ctx, subject, actor, NewEvent{typ, data})
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
	var err error
	// A subject created in this transaction with deferred writes (a new
	// lead) has its head in memory: nobody else can see it yet.
	pending := tx.deferred.pendingHead(subject)
	if pending != nil {
		n, prev = pending.n, pending.hash
	} else if err = tx.QueryRow(ctx, `INSERT INTO event_heads (subject, n, hash) VALUES (?, 0, '')
		ON CONFLICT (subject) DO UPDATE SET n = event_heads.n RETURNING n, hash`, subject).Scan(&n, &prev); err != nil {
		return nil, fmt.Errorf("lock timeline of %s: %w", subject, translate(err))
	}
	out := make([]leadrouter.Event, 0, len(events))
	args := make([]any, 0, 8*len(events))
	for _, ne := range events {
		raw := []byte("{}")
		if ne.Data != nil {
			if raw, err = json.Marshal(ne.Data); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", ne.Type, err)
			}
		}
		n++
		e := leadrouter.Event{Subject: subject, N: n, Type: ne.Type, Actor: actor.Label(), Data: raw, At: tx.now, PrevHash: prev}
		e.Hash = e.ComputeHash()
		args = append(args, e.Subject, e.N, e.Type, e.Actor, string(e.Data), e.At, e.PrevHash, e.Hash)
		prev = e.Hash
		out = append(out, e)
	}
	// One statement for all of them: a lead's capture appends five.
	if pending != nil {
		for i := 0; i < len(args); i += 8 {
			tx.deferred.events = append(tx.deferred.events, args[i:i+8])
		}
		pending.n, pending.hash = n, prev
	} else if len(out) > 0 {
		if _, err := tx.Exec(ctx, insertEvents+valueRows(8, len(out)), args...); err != nil {
			return nil, fmt.Errorf("append %d events to %s: %w", len(out), subject, err)
		}
	}
	for _, e := range out {
		if err := tx.enqueueWebhooks(ctx, e); err != nil {
			return nil, err
		}
	}
	if pending != nil {
		return out, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE event_heads SET n = ?, hash = ? WHERE subject = ?`, n, prev, subject); err != nil {
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

// Timeline returns subject's events, oldest first.
func (tx *Tx) Timeline(ctx context.Context, subject string) ([]leadrouter.Event, error) {
	rows, err := tx.Query(ctx, `SELECT seq, subject, n, type, actor, data, at, prev_hash, hash FROM events WHERE subject = ? ORDER BY n`, subject)
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
	var data string
	if err := s.Scan(&e.Seq, &e.Subject, &e.N, &e.Type, &e.Actor, &data, &e.At, &e.PrevHash, &e.Hash); err != nil {
		return e, fmt.Errorf("scan event: %w", err)
	}
	e.At = e.At.UTC()
	e.Data = json.RawMessage(data)
	return e, nil
}

// ChainBreak describes the first event whose hash or link is wrong.
type ChainBreak struct {
	Subject string
	N       int64
	Reason  string
}

// VerifyChains walks every subject's chain in order and returns the first
// broken link (nil when all are intact) and how many events it checked.
func (db *DB) VerifyChains(ctx context.Context) (*ChainBreak, int64, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT seq, subject, n, type, actor, data, at, prev_hash, hash FROM events ORDER BY subject, n`)
	if err != nil {
		return nil, 0, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var checked int64
	var subject, prevHash string
	var prevN int64
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, checked, err
		}
		checked++
		if e.Subject != subject {
			subject, prevHash, prevN = e.Subject, "", 0
		}
		switch {
		case e.N != prevN+1:
			return &ChainBreak{e.Subject, e.N, fmt.Sprintf("event %d follows event %d: an event is missing", e.N, prevN)}, checked, nil
		case e.PrevHash != prevHash:
			return &ChainBreak{e.Subject, e.N, "prev_hash does not match the previous event's hash"}, checked, nil
		case e.ComputeHash() != e.Hash:
			return &ChainBreak{e.Subject, e.N, "the event's content does not match its hash (edited)"}, checked, nil
		}
		prevHash, prevN = e.Hash, e.N
	}
	if err := rows.Err(); err != nil {
		return nil, checked, err
	}
	// A head that is ahead of its chain means trailing events were removed.
	var headSubject string
	var headN, lastN int64
	err = db.reader.QueryRowContext(ctx, `SELECT h.subject, h.n, COALESCE((SELECT MAX(n) FROM events e WHERE e.subject = h.subject), 0)
		FROM event_heads h WHERE h.n > COALESCE((SELECT MAX(n) FROM events e WHERE e.subject = h.subject), 0) LIMIT 1`).Scan(&headSubject, &headN, &lastN)
	if err == nil {
		return &ChainBreak{headSubject, lastN + 1, fmt.Sprintf("the chain ends at event %d but %d were written: trailing events removed", lastN, headN)}, checked, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, checked, fmt.Errorf("check timeline heads: %w", err)
	}
	return nil, checked, nil
}
