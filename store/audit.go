package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// Head is one timeline's head: how many events it has and the hash of the
// last one.
type Head struct {
	Subject string
	N       int64
	Hash    string
}

// ScanEvents calls fn with every event, by subject and then in order.
func (db *DB) ScanEvents(ctx context.Context, fn func(leadrouter.Event) error) error {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY subject, n`)
	if err != nil {
		return fmt.Errorf("read events: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanHeads calls fn with every timeline head, by subject.
func (db *DB) ScanHeads(ctx context.Context, fn func(Head) error) error {
	rows, err := db.reader.QueryContext(ctx, `SELECT subject, n, hash FROM event_heads ORDER BY subject`)
	if err != nil {
		return fmt.Errorf("read timeline heads: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var h Head
		var hash []byte
		if err := rows.Scan(&h.Subject, &h.N, &hash); err != nil {
			return fmt.Errorf("scan timeline head: %w", err)
		}
		h.Hash = hashText(hash)
		if err := fn(h); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanConsents calls fn with every consent record, by lead and time.
func (db *DB) ScanConsents(ctx context.Context, fn func(leadrouter.ConsentRecord) error) error {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents ORDER BY lead_id, at, id`)
	if err != nil {
		return fmt.Errorf("read consents: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return fmt.Errorf("scan consent: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// markHeadsCheckpointed marks the heads claimed (two arrays: subjects and
// their n) checkpointed on PostgreSQL, those that did not change.
const markHeadsCheckpointed = `UPDATE event_heads h SET ckpt = 1 FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])) AS v(subject, n)
	WHERE h.subject = v.subject AND h.n = v.n`

// ClaimHeads takes up to limit timeline heads changed since they were last
// checkpointed and calls keep with them inside a transaction; when keep
// returns nil (it has written them where the database cannot rewrite
// them) they are marked checkpointed, unless they changed meanwhile. Two
// processes never claim one head at once (the rows are locked, skipped by
// the other). It returns how many heads it claimed.
func (db *DB) ClaimHeads(ctx context.Context, limit int, keep func([]Head) error) (int, error) {
	var heads []Head
	err := db.Update(ctx, func(tx *Tx) error {
		heads = heads[:0]
		lock := ""
		if db.engine == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `SELECT subject, n, hash FROM event_heads WHERE ckpt = 0 ORDER BY subject LIMIT ?`+lock, limit)
		if err != nil {
			return fmt.Errorf("claim timeline heads: %w", err)
		}
		for rows.Next() {
			var h Head
			var hash []byte
			if err := rows.Scan(&h.Subject, &h.N, &hash); err != nil {
				rows.Close()
				return fmt.Errorf("scan timeline head: %w", err)
			}
			h.Hash = hashText(hash)
			if h.N > 0 {
				heads = append(heads, h)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(heads) == 0 {
			return nil
		}
		if err := keep(heads); err != nil {
			return err
		}
		if db.engine == Postgres {
			// One statement for them all, joined by the primary key: the
			// OR of (subject, n) pairs below read the whole table through
			// a bitmap per pair, or in a sequential scan once event_heads
			// had statistics (30-70 ms for 200 heads at 50k against 3 ms).
			subjects, ns := make([]string, len(heads)), make([]int64, len(heads))
			for i, h := range heads {
				subjects[i], ns[i] = h.Subject, h.N
			}
			if _, err := tx.Exec(ctx, markHeadsCheckpointed, subjects, ns); err != nil {
				return fmt.Errorf("mark timeline heads checkpointed: %w", err)
			}
			return nil
		}
		for start := 0; start < len(heads); start += 200 {
			batch := heads[start:min(start+200, len(heads))]
			args := make([]any, 0, 2*len(batch))
			conds := make([]byte, 0, 32*len(batch))
			for i, h := range batch {
				if i > 0 {
					conds = append(conds, " OR "...)
				}
				conds = append(conds, "(subject = ? AND n = ?)"...)
				args = append(args, h.Subject, h.N)
			}
			if _, err := tx.Exec(ctx, `UPDATE event_heads SET ckpt = 1 WHERE `+string(conds), args...); err != nil {
				return fmt.Errorf("mark timeline heads checkpointed: %w", err)
			}
		}
		return nil
	})
	return len(heads), err
}
