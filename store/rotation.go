package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// NextRotation returns the current position of the round-robin rotation
// key and advances it, inside the caller's transaction: the upsert locks
// the key's row on PostgreSQL until commit, so concurrent transactions (in
// any number of server processes) take positions one after another, and a
// rolled-back routing gives its position back.
func (tx *Tx) NextRotation(ctx context.Context, key string) (int64, error) {
	d := tx.deferred
	if d != nil {
		if c := d.rotations[key]; c != nil {
			c.now++ // the row is locked by this transaction already
			return c.now - 1, nil
		}
	}
	if d != nil {
		// In a batch: lock the row without changing it (a new key starts
		// at 0, as an absent one reads), count in memory, and let flush
		// write the final position. The statement changes nothing an item
		// failing later would have to undo, so it needs no savepoint.
		var pos int64
		err := tx.lockRow(ctx, `INSERT INTO rotations (key, position) VALUES (?, 0)
			ON CONFLICT (key) DO UPDATE SET position = rotations.position RETURNING position`, key).Scan(&pos)
		if err != nil {
			return 0, fmt.Errorf("advance rotation %s: %w", key, translate(err))
		}
		if d.rotations == nil {
			d.rotations = map[string]*counter{}
		}
		d.rotations[key] = &counter{read: pos, now: pos + 1}
		return pos, nil
	}
	var next int64
	err := tx.QueryRow(ctx, `INSERT INTO rotations (key, position) VALUES (?, 1)
		ON CONFLICT (key) DO UPDATE SET position = rotations.position + 1 RETURNING position`, key).Scan(&next)
	if err != nil {
		return 0, fmt.Errorf("advance rotation %s: %w", key, translate(err))
	}
	return next - 1, nil
}

// AssignedToday returns how many leads rotation key gave assignee on day.
// In a read-write transaction it also locks that count until commit (an
// upsert that changes nothing), so that a cap check and the assignment
// that follows it hold together: two transactions routing through
// different rotations to one capped partner (its own daily cap counts
// across them) take turns instead of both seeing room for one more.
func (tx *Tx) AssignedToday(ctx context.Context, key, assigneeID, day string) (int, error) {
	var n int
	var err error
	if tx.readOnly {
		err = tx.QueryRow(ctx, `SELECT n FROM daily_assignments WHERE key = ? AND assignee_id = ? AND day = ?`, key, assigneeID, day).Scan(&n)
		if isNoRows(err) {
			return 0, nil
		}
	} else {
		d := tx.deferred
		k := [3]string{key, assigneeID, day}
		if d != nil {
			if c := d.daily[k]; c != nil {
				return int(c.now), nil
			}
		}
		// An upsert that changes nothing: in a batch it needs no savepoint.
		err = tx.lockRow(ctx, `INSERT INTO daily_assignments (key, assignee_id, day, n) VALUES (?, ?, ?, 0)
			ON CONFLICT (key, assignee_id, day) DO UPDATE SET n = daily_assignments.n RETURNING n`, key, assigneeID, day).Scan(&n)
		if err == nil && d != nil {
			if d.daily == nil {
				d.daily = map[[3]string]*counter{}
			}
			d.daily[k] = &counter{read: int64(n), now: int64(n)}
		}
	}
	if err != nil {
		return 0, fmt.Errorf("assignments today: %w", translate(err))
	}
	return n, nil
}

// RecordAssignment counts one more lead for assignee under key on day.
func (tx *Tx) RecordAssignment(ctx context.Context, key, assigneeID, day string) error {
	if d := tx.deferred; d != nil {
		if c := d.daily[[3]string{key, assigneeID, day}]; c != nil {
			c.now++ // locked by AssignedToday in this transaction
			return nil
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO daily_assignments (key, assignee_id, day, n) VALUES (?, ?, ?, 1)
		ON CONFLICT (key, assignee_id, day) DO UPDATE SET n = daily_assignments.n + 1`, key, assigneeID, day)
	if err != nil {
		return fmt.Errorf("record assignment: %w", err)
	}
	return nil
}

// CurrentPolicy returns the newest stored policy (ENOTFOUND when none).
func (tx *Tx) CurrentPolicy(ctx context.Context) (leadrouter.PolicyVersion, error) {
	var p leadrouter.PolicyVersion
	var at any
	err := tx.QueryRow(ctx, `SELECT version, source, created_by, created_at FROM policies ORDER BY version DESC LIMIT 1`).Scan(&p.Version, &p.Source, &p.CreatedBy, &at)
	p.CreatedAt = fmt.Sprint(at)
	return p, notFound(err, "Policy")
}

// PolicyHistory lists stored policy versions, newest first (without source).
func (tx *Tx) PolicyHistory(ctx context.Context, limit int) ([]leadrouter.PolicyVersion, error) {
	rows, err := tx.Query(ctx, `SELECT version, created_by, created_at FROM policies ORDER BY version DESC LIMIT ?`, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("policy history: %w", err)
	}
	defer rows.Close()
	out := []leadrouter.PolicyVersion{}
	for rows.Next() {
		var p leadrouter.PolicyVersion
		var at any
		if err := rows.Scan(&p.Version, &p.CreatedBy, &at); err != nil {
			return nil, err
		}
		p.CreatedAt = fmt.Sprint(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SavePolicy stores a new policy version (already validated by the caller).
func (tx *Tx) SavePolicy(ctx context.Context, source, createdBy string) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, `INSERT INTO policies (source, created_by, created_at) VALUES (?, ?, ?) RETURNING version`, source, createdBy, tx.now).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("save policy: %w", translate(err))
	}
	return v, nil
}

// PeekRotation returns the position NextRotation would return, without
// advancing it (for explaining a decision without making it).
func (tx *Tx) PeekRotation(ctx context.Context, key string) (int64, error) {
	var pos int64
	err := tx.QueryRow(ctx, `SELECT position FROM rotations WHERE key = ?`, key).Scan(&pos)
	if isNoRows(err) {
		return 0, nil
	}
	return pos, err
}
