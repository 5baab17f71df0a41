package store

import (
	"context"
	"fmt"
	"sort"
)

// deferredWrites holds the rows a group-commit transaction inserts for the
// leads it creates (the lead, its company tokens, consent and timeline),
// written at the end of the transaction in multi-row INSERTs: a batch of
// leads costs a handful of statements instead of a handful per lead (on
// PostgreSQL, each one a network round trip). Only rows nobody reads back
// within the transaction are deferred; reads of what is pending go through
// the methods below.
type deferredWrites struct {
	leads, tokens, events, consents [][]any
	// openEmails are the e-mails of the open leads pending here.
	openEmails map[string]bool
	// subjects are the timelines started here, with their heads.
	subjects map[string]*head
}

type head struct {
	n    int64
	hash string
}

func newDeferredWrites() *deferredWrites {
	return &deferredWrites{openEmails: map[string]bool{}, subjects: map[string]*head{}}
}

// pendingHead returns the in-memory head of a timeline started in this
// transaction, or nil.
func (d *deferredWrites) pendingHead(subject string) *head {
	if d == nil {
		return nil
	}
	return d.subjects[subject]
}

// PendingOpenLead reports whether this transaction is about to insert an
// open lead with e-mail email (a second submission of one person in one
// group-commit batch: it must wait for the first to commit).
func (tx *Tx) PendingOpenLead(email string) bool {
	return tx.deferred != nil && tx.deferred.openEmails[email]
}

// flushChunk bounds the rows of one INSERT (PostgreSQL allows 65,535
// parameters a statement, SQLite 32,766).
const flushChunk = 400

// flush writes the deferred rows, leads first (consents refer to them).
// A unique violation on the leads means another process stored an open
// lead with one of these e-mails first: ErrOpenLeadExists, so the caller
// runs the batch's items one by one and each learns its own outcome.
func (tx *Tx) flush(ctx context.Context) error {
	d := tx.deferred
	if d == nil {
		return nil
	}
	tx.deferred = nil
	heads := make([][]any, 0, len(d.subjects))
	for subject, h := range d.subjects {
		if h.n > 0 {
			heads = append(heads, []any{subject, h.n, h.hash})
		}
	}
	sort.Slice(heads, func(i, j int) bool { return heads[i][0].(string) < heads[j][0].(string) })
	for _, t := range []struct {
		what, insert, suffix string
		rows                 [][]any
	}{
		{"leads", insertLeads, "", d.leads},
		{"consents", insertConsents, "", d.consents},
		{"company tokens", `INSERT INTO company_tokens (token, kind, ref_id) VALUES `, " ON CONFLICT DO NOTHING", d.tokens},
		{"events", insertEvents, "", d.events},
		{"timeline heads", `INSERT INTO event_heads (subject, n, hash) VALUES `, "", heads},
	} {
		for lo := 0; lo < len(t.rows); lo += flushChunk {
			chunk := t.rows[lo:min(lo+flushChunk, len(t.rows))]
			args := make([]any, 0, len(chunk)*len(chunk[0]))
			for _, r := range chunk {
				args = append(args, r...)
			}
			_, err := tx.Exec(ctx, t.insert+valueRows(len(chunk[0]), len(chunk))+t.suffix, args...)
			if t.what == "leads" && isUniqueViolation(err) {
				return fmt.Errorf("insert leads: %w", ErrOpenLeadExists)
			} else if err != nil {
				return fmt.Errorf("insert %s: %w", t.what, err)
			}
		}
	}
	return nil
}
