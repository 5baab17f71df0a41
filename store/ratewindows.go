package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RateCount is a key's hits in the fixed window now falls in and in the
// one before, as every server process on the database counted them.
type RateCount struct {
	Current, Previous int
	// Ends is when the current window ends.
	Ends time.Time
}

// Recent is the hits of the current and the previous window: a budget
// checked against it does not start afresh at a window's boundary.
func (c RateCount) Recent() int { return c.Current + c.Previous }

// HitRateWindow counts one hit for key in the current window of length
// window and returns the count.
func (db *DB) HitRateWindow(ctx context.Context, key string, window time.Duration) (RateCount, error) {
	var c RateCount
	err := db.Update(ctx, func(tx *Tx) error {
		start := tx.now.UTC().Truncate(window)
		if _, err := tx.Exec(ctx, `INSERT INTO rate_windows (key, window_start, hits) VALUES (?, ?, 1)
			ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1`, key, start); err != nil {
			return err
		}
		var err error
		c, err = tx.rateCount(ctx, key, window, start)
		return err
	})
	if err != nil {
		return RateCount{}, fmt.Errorf("count rate window %s: %w", key, err)
	}
	return c, nil
}

// TakeRateWindow counts one hit for key only while the current and the
// previous window together hold fewer than limit, and reports whether it
// did. The check and the count are one conditional upsert, so hits taken at
// once by any number of requests and server processes never exceed limit
// (the database serialises them on the window's row). The count returned
// includes the hit when taken.
func (db *DB) TakeRateWindow(ctx context.Context, key string, window time.Duration, limit int) (RateCount, bool, error) {
	var c RateCount
	taken := false
	err := db.Update(ctx, func(tx *Tx) error {
		start := tx.now.UTC().Truncate(window)
		var err error
		if c, err = tx.rateCount(ctx, key, window, start); err != nil {
			return err
		}
		room := limit - c.Previous // what the current window may still hold
		if room <= 0 {
			return nil
		}
		var hits int
		err = tx.QueryRow(ctx, `INSERT INTO rate_windows (key, window_start, hits) VALUES (?, ?, 1)
			ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1 WHERE rate_windows.hits < ?
			RETURNING hits`, key, start, room).Scan(&hits)
		if errors.Is(err, sql.ErrNoRows) { // the budget is spent
			return nil
		}
		if err != nil {
			return err
		}
		c.Current, taken = hits, true
		return nil
	})
	if err != nil {
		return RateCount{}, false, fmt.Errorf("take rate window %s: %w", key, err)
	}
	return c, taken, nil
}

// ReturnRateWindow gives back a hit TakeRateWindow took in the window that
// ends at ends (a sign-in that turned out right is not a failure).
func (db *DB) ReturnRateWindow(ctx context.Context, key string, window time.Duration, ends time.Time) error {
	err := db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE rate_windows SET hits = hits - 1 WHERE key = ? AND window_start = ? AND hits > 0`, key, ends.Add(-window).UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("return rate window %s: %w", key, err)
	}
	return nil
}

// RateWindowCount returns key's count without counting a hit.
func (db *DB) RateWindowCount(ctx context.Context, key string, window time.Duration) (RateCount, error) {
	var c RateCount
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		c, err = tx.rateCount(ctx, key, window, tx.now.UTC().Truncate(window))
		return err
	})
	if err != nil {
		return RateCount{}, fmt.Errorf("read rate window %s: %w", key, err)
	}
	return c, nil
}

func (tx *Tx) rateCount(ctx context.Context, key string, window time.Duration, start time.Time) (RateCount, error) {
	c := RateCount{Ends: start.Add(window)}
	rows, err := tx.Query(ctx, `SELECT window_start, hits FROM rate_windows WHERE key = ? AND window_start >= ?`, key, start.Add(-window))
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var hits int
		if err := rows.Scan(&at, &hits); err != nil {
			return c, err
		}
		if at.Before(start) {
			c.Previous += hits
		} else {
			c.Current += hits
		}
	}
	return c, rows.Err()
}

// PruneRateWindows deletes the windows of the keys beginning with prefix
// that began before before (each use prunes its own: their windows differ).
func (db *DB) PruneRateWindows(ctx context.Context, prefix string, before time.Time) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rate_windows WHERE window_start < ? AND substr(key, 1, ?) = ?`, before.UTC(), len(prefix), prefix)
		return err
	})
}
