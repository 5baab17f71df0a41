package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// SettingOrCreate returns the setting key, storing make()'s value first if
// the key is absent. Concurrent callers (several processes) agree on one
// value: the first insert wins.
func (db *DB) SettingOrCreate(ctx context.Context, key string, make func() string) (string, error) {
	var value string
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, make()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	})
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return value, nil
}

// Setting returns the setting key, "" when absent.
func (tx *Tx) Setting(ctx context.Context, key string) (string, error) {
	var value string
	err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return value, nil
}

// SetSetting stores value as the setting key.
func (tx *Tx) SetSetting(ctx context.Context, key, value string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("store setting %s: %w", key, err)
	}
	return nil
}

// RandomHex returns n random bytes, hex-encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ActivePartner is one entry of the PID directory.
type ActivePartner struct {
	ID     string
	PID    string
	Active bool
}

// PartnerDirectory returns every partner's id, PID and whether it is
// active, for the in-memory PID snapshot of the redirect path.
func (db *DB) PartnerDirectory(ctx context.Context) ([]ActivePartner, error) {
	var out []ActivePartner
	err := db.View(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, pid, status FROM partners`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p ActivePartner
			var status string
			if err := rows.Scan(&p.ID, &p.PID, &status); err != nil {
				return err
			}
			p.Active = status == "active"
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read partner directory: %w", err)
	}
	return out, nil
}

// DayCount is a number of clicks of one partner on one UTC day.
type DayCount struct {
	PartnerID string `json:"-"`
	Day       string `json:"day"`
	Count     int64  `json:"count"`
}

// AddClicks adds click counts in one transaction (upserting per day).
func (db *DB) AddClicks(ctx context.Context, counts []DayCount) error {
	if len(counts) == 0 {
		return nil
	}
	return db.Update(ctx, func(tx *Tx) error {
		for _, c := range counts {
			// A partner id that does not exist has nothing to count.
			if _, err := tx.Exec(ctx, `INSERT INTO clicks (partner_id, day, n) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM partners WHERE id = ?)
				ON CONFLICT (partner_id, day) DO UPDATE SET n = clicks.n + excluded.n`, c.PartnerID, c.Day, c.Count, c.PartnerID); err != nil {
				return fmt.Errorf("add clicks: %w", err)
			}
		}
		return nil
	})
}

// Clicks returns a partner's clicks per day since the given day, oldest
// first.
func (tx *Tx) Clicks(ctx context.Context, partnerID string, since time.Time) ([]DayCount, error) {
	rows, err := tx.Query(ctx, `SELECT day, n FROM clicks WHERE partner_id = ? AND day >= ? ORDER BY day`, partnerID, since.UTC().Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("read clicks: %w", err)
	}
	defer rows.Close()
	out := []DayCount{}
	for rows.Next() {
		c := DayCount{PartnerID: partnerID}
		if err := rows.Scan(&c.Day, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
