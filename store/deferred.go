package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
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
	// assignments and notifications are the partners' assignments and
	// the notifications the batch's new leads open (written after the
	// leads they refer to).
	assignments, notifications [][]any
	// openEmails are the e-mails of the open leads pending here.
	openEmails map[string]bool
	// subjects are the timelines started here, with their heads.
	subjects map[string]*head
	// checked are the e-mails PrefetchEmails looked up; stored those of
	// them that belong to an open lead or a contact.
	checked, stored map[string]bool
	// rotations and daily hold the round-robin positions and daily counts
	// this transaction has locked (their rows stay locked until commit):
	// later uses in the batch count in memory, and flush writes the final
	// values, one UPDATE per row instead of one per lead.
	rotations map[string]*counter
	daily     map[[3]string]*counter
	// directory is the version of the partners and recipients the
	// batch reads through DB.directory (0: not read yet).
	directory int64
}

// counter is a locked row's value as read and as it is now.
type counter struct {
	read, now int64
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

// PrefetchEmails looks up, in one statement, which of emails belong to an
// open lead or a contact, so that OpenLeadByEmail and ContactIDForEmail
// answer "none" for the others without a query of their own (a batch of
// new people costs one lookup instead of two per person). Only in a
// transaction of UpdateBatch; a lead stored by another process after this
// lookup still meets the unique index when the batch is written.
func (tx *Tx) PrefetchEmails(ctx context.Context, emails []string) error {
	d := tx.deferred
	if d == nil || len(emails) == 0 {
		return nil
	}
	leadCond, leadArgs := tx.idIn("email", emails)
	contactCond, contactArgs := tx.idIn("email", emails)
	rows, err := tx.Query(ctx, `SELECT email FROM leads WHERE `+leadCond+` AND email <> '' AND status NOT IN ('converted', 'disqualified')
		UNION ALL SELECT email FROM contacts WHERE `+contactCond, append(leadArgs, contactArgs...)...)
	if err != nil {
		return fmt.Errorf("look up e-mails of a batch: %w", err)
	}
	defer rows.Close()
	if d.checked == nil {
		d.checked, d.stored = map[string]bool{}, map[string]bool{}
	}
	for rows.Next() {
		var email string
		if err := rows.Scan(&email); err != nil {
			return fmt.Errorf("look up e-mails of a batch: %w", err)
		}
		d.stored[email] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up e-mails of a batch: %w", err)
	}
	for _, e := range emails {
		d.checked[e] = true
	}
	return nil
}

// knownAbsent reports whether PrefetchEmails found no open lead or contact
// with email.
func (d *deferredWrites) knownAbsent(email string) bool {
	return d != nil && d.checked[email] && !d.stored[email]
}

// flushChunk bounds the rows of one INSERT (PostgreSQL allows 65,535
// parameters a statement, SQLite 32,766).
const flushChunk = 400

// insertHeads frames a multi-row INSERT of timeline heads.
const insertHeads = `INSERT INTO event_heads (subject, n, hash) VALUES `

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
			heads = append(heads, []any{subject, h.n, hashBytes(h.hash)})
		}
	}
	sort.Slice(heads, func(i, j int) bool { return heads[i][0].(string) < heads[j][0].(string) })
	if err := tx.writeCounters(ctx, d); err != nil {
		return err
	}
	var stmts []pipelined
	for _, t := range []struct {
		what, insert, suffix string
		rows                 [][]any
	}{
		{"leads", insertLeads, "", d.leads},
		{"consents", insertConsents, "", d.consents},
		{"company tokens", insertTokens, tokensOnConflict, d.tokens},
		{"events", insertEvents, "", d.events},
		{"assignments", insertAssignments, "", d.assignments},
		{"notifications", insertNotifications, "", d.notifications},
		{"timeline heads", insertHeads, "", heads},
	} {
		for lo := 0; lo < len(t.rows); lo += flushChunk {
			chunk := t.rows[lo:min(lo+flushChunk, len(t.rows))]
			args := make([]any, 0, len(chunk)*len(chunk[0]))
			for _, r := range chunk {
				args = append(args, r...)
			}
			stmts = append(stmts, pipelined{what: t.what, query: t.insert + valueRows(len(chunk[0]), len(chunk)) + t.suffix, args: args})
		}
	}
	err := tx.pipeline(ctx, stmts)
	var failed *pipelineError
	if errors.As(err, &failed) {
		if failed.what == "leads" && isUniqueViolation(failed.err) {
			return fmt.Errorf("insert leads: %w", ErrOpenLeadExists)
		}
		return fmt.Errorf("insert %s: %w", failed.what, failed.err)
	}
	return err
}

// pipelined is one statement of Tx.pipeline: what it writes (for errors),
// the statement with ? placeholders and its arguments.
type pipelined struct {
	what, query string
	args        []any
}

// pipelineError is the first statement of a pipeline that failed.
type pipelineError struct {
	what string
	err  error
}

func (e *pipelineError) Error() string { return e.what + ": " + e.err.Error() }
func (e *pipelineError) Unwrap() error { return e.err }

// pipeline runs statements in order. On PostgreSQL they go to the server
// together, as one pgx batch on the transaction's connection: a batch's
// rows cost one network round trip instead of one a statement (the
// single writer waits for each). On SQLite, and outside a write
// transaction, one after another.
func (tx *Tx) pipeline(ctx context.Context, stmts []pipelined) error {
	if len(stmts) == 0 {
		return nil
	}
	if tx.conn == nil || len(stmts) == 1 {
		for _, st := range stmts {
			if _, err := tx.Exec(ctx, st.query, st.args...); err != nil {
				return &pipelineError{st.what, err}
			}
		}
		return nil
	}
	ctx = tx.stmtCtx(ctx)
	if err := tx.beforeWrite(ctx, stmts[0].query); err != nil {
		return err
	}
	return tx.conn.Raw(func(driverConn any) error {
		conn := driverConn.(*stdlib.Conn).Conn()
		var batch pgx.Batch
		for _, st := range stmts {
			batch.Queue(tx.dialect.rebind(st.query), st.args...)
		}
		results := conn.SendBatch(ctx, &batch)
		for _, st := range stmts {
			if _, err := results.Exec(); err != nil {
				results.Close()
				return &pipelineError{st.what, translate(err)}
			}
		}
		return translate(results.Close())
	})
}

// Batch is one group-commit transaction serving several callers (the
// intake writer): each caller's work runs as an Item, isolated by a
// savepoint, and the rows of the leads the items create are written
// together at Flush or at commit (see deferredWrites). Its statements
// ignore the cancellation of the contexts they are given, so one caller
// that goes away cannot interrupt a statement and fail its neighbours
// (the caller checks each context between items instead).
type Batch struct {
	tx *Tx
}

// RunBatch runs fn in one read-write transaction with a Batch and commits
// what its items wrote. A transient conflict (serialisation failure,
// deadlock, busy) runs fn again from the start; an error writing the
// deferred rows (say, another process stored an open lead with one of the
// batch's e-mails first) fails the whole batch.
func (db *DB) RunBatch(fn func(b *Batch) error) error {
	return db.update(context.Background(), true, func(tx *Tx) error { return fn(&Batch{tx: tx}) })
}

// PrefetchEmails is Tx.PrefetchEmails for the items to come.
func (b *Batch) PrefetchEmails(ctx context.Context, emails []string) error {
	return b.tx.PrefetchEmails(ctx, emails)
}

// Flush writes the deferred rows of the items so far, so that the items
// after it read them like any stored row (a second submission of one
// e-mail finds the lead the first created), and starts deferring anew.
func (b *Batch) Flush(ctx context.Context) error {
	if err := b.tx.flush(ctx); err != nil {
		return err
	}
	b.tx.deferred = newDeferredWrites()
	return nil
}

// Item runs one caller's work. When fn fails or panics, everything it did
// is undone, its statements (rolled back to a savepoint) and the rows it
// deferred alike, and the batch goes on with the next item; a panic comes
// back as an internal error. A transient error is returned as it is: the
// caller gives it back to RunBatch, which runs the whole batch again.
//
// The savepoint is taken before the item's first statement that writes
// (Tx.beforeWrite): an item that only reads and defers its rows, as one
// that creates a lead does, costs no round trip for it. Should such an
// item fail on a statement of PostgreSQL's (which aborts the whole
// transaction), the batch is run again: nothing of it can commit.
func (b *Batch) Item(ctx context.Context, fn func(tx *Tx) error) (err error) {
	tx := b.tx
	state := &itemState{}
	tx.item = state
	snap := tx.deferred.snapshot()
	after := len(tx.afterCommit)
	defer func() {
		tx.item = nil
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a write: %v", p)
		}
		if state.broken != nil {
			err = errRetry{state.broken}
		}
		if err == nil || isRetryable(err) {
			return
		}
		if state.savepoint {
			if _, rbErr := tx.tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK TO SAVEPOINT item`); rbErr != nil {
				err = fmt.Errorf("%w (and rolling it back: %v)", err, rbErr)
				return
			}
		} else if tx.db.engine == Postgres {
			// Nothing written to roll back; but a failed statement leaves
			// PostgreSQL's transaction aborted, which a probe tells.
			if _, probe := tx.tx.ExecContext(context.WithoutCancel(ctx), `SAVEPOINT item`); probe != nil {
				err = errRetry{fmt.Errorf("%w (the transaction is aborted: the batch runs again)", err)}
				return
			}
		}
		tx.deferred.restore(snap)
		tx.afterCommit = tx.afterCommit[:after]
	}()
	return fn(tx)
}

// deferredSnapshot is what an item found deferred when it began.
type deferredSnapshot struct {
	leads, tokens, events, consents int
	assignments, notifications      int
	openEmails                      map[string]bool
	subjects                        map[string]head
	rotations                       map[string]counter
	daily                           map[[3]string]counter
}

func (d *deferredWrites) snapshot() deferredSnapshot {
	s := deferredSnapshot{leads: len(d.leads), tokens: len(d.tokens), events: len(d.events), consents: len(d.consents),
		assignments: len(d.assignments), notifications: len(d.notifications),
		openEmails: make(map[string]bool, len(d.openEmails)), subjects: make(map[string]head, len(d.subjects)),
		rotations: make(map[string]counter, len(d.rotations)), daily: make(map[[3]string]counter, len(d.daily))}
	for k, v := range d.openEmails {
		s.openEmails[k] = v
	}
	for k, v := range d.subjects {
		s.subjects[k] = *v
	}
	for k, v := range d.rotations {
		s.rotations[k] = *v
	}
	for k, v := range d.daily {
		s.daily[k] = *v
	}
	return s
}

// restore puts d back as it was at s: the rows and counters of a failed
// item are forgotten.
func (d *deferredWrites) restore(s deferredSnapshot) {
	d.leads, d.tokens, d.events, d.consents = d.leads[:s.leads], d.tokens[:s.tokens], d.events[:s.events], d.consents[:s.consents]
	d.assignments, d.notifications = d.assignments[:s.assignments], d.notifications[:s.notifications]
	d.openEmails = s.openEmails
	d.subjects = make(map[string]*head, len(s.subjects))
	for k, v := range s.subjects {
		d.subjects[k] = &v
	}
	d.rotations = make(map[string]*counter, len(s.rotations))
	for k, v := range s.rotations {
		d.rotations[k] = &v
	}
	d.daily = make(map[[3]string]*counter, len(s.daily))
	for k, v := range s.daily {
		d.daily[k] = &v
	}
}

// writeCounters writes the rotations' positions and the daily counts the
// batch changed, one UPDATE for each table (rows locked since they were
// read, in key order so that concurrent writers lock alike).
func (tx *Tx) writeCounters(ctx context.Context, d *deferredWrites) error {
	var rot []string
	for key, c := range d.rotations {
		if c.now != c.read {
			rot = append(rot, key)
		}
	}
	sort.Strings(rot)
	if len(rot) > 0 {
		var q strings.Builder
		args := make([]any, 0, 3*len(rot))
		q.WriteString(`UPDATE rotations SET position = CASE key`)
		for _, key := range rot {
			q.WriteString(` WHEN ? THEN CAST(? AS BIGINT)`)
			args = append(args, key, d.rotations[key].now)
		}
		cond, keys := tx.idIn("key", rot)
		q.WriteString(` END WHERE ` + cond)
		args = append(args, keys...)
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("advance rotations: %w", err)
		}
	}
	var daily [][3]string
	for k, c := range d.daily {
		if c.now != c.read {
			daily = append(daily, k)
		}
	}
	sort.Slice(daily, func(i, j int) bool {
		a, b := daily[i], daily[j]
		return a[0] < b[0] || a[0] == b[0] && (a[1] < b[1] || a[1] == b[1] && a[2] < b[2])
	})
	for _, k := range daily {
		// Few a batch (one per assignee under a daily cap).
		if _, err := tx.Exec(ctx, `UPDATE daily_assignments SET n = ? WHERE key = ? AND assignee_id = ? AND day = ?`, d.daily[k].now, k[0], k[1], k[2]); err != nil {
			return fmt.Errorf("record assignments: %w", err)
		}
	}
	return nil
}
