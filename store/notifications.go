package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

const notificationColumns = `id, user_id, kind, subject_id, data, created_at, read_at, email, attempts, sent_at`

func scanNotification(s interface{ Scan(...any) error }) (leadrouter.Notification, error) {
	var n leadrouter.Notification
	var data string
	var read, sent sql.NullTime
	err := s.Scan(&n.ID, &n.UserID, &n.Kind, &n.SubjectID, &data, &n.CreatedAt, &read, &n.Email, &n.Attempts, &sent)
	n.Data, n.CreatedAt = []byte(data), n.CreatedAt.UTC()
	if read.Valid {
		t := read.Time.UTC()
		n.ReadAt = &t
	}
	if sent.Valid {
		t := sent.Time.UTC()
		n.SentAt = &t
	}
	return n, err
}

const insertNotifications = `INSERT INTO notifications (id, user_id, kind, subject_id, data, created_at, email, next_at) VALUES `

// InsertNotification stores a notification (its Email says how it is
// delivered). In a batch, one about a lead the batch creates is written
// with the lead's rows, in one statement for all.
func (tx *Tx) InsertNotification(ctx context.Context, n leadrouter.Notification) error {
	data := string(n.Data)
	if data == "" {
		data = "{}"
	}
	row := []any{n.ID, n.UserID, n.Kind, n.SubjectID, data, n.CreatedAt.UTC(), n.Email, n.CreatedAt.UTC()}
	if d := tx.deferred; d != nil && d.pendingHead(n.SubjectID) != nil {
		d.notifications = append(d.notifications, row)
		return nil
	}
	if _, err := tx.Exec(ctx, insertNotifications+valueRows(len(row), 1), row...); err != nil {
		return fmt.Errorf("insert notification: %w", err)
	}
	return nil
}

// Notifications is a page of userID's notifications, newest first (only
// unread ones with unread).
func (tx *Tx) Notifications(ctx context.Context, userID string, unread bool, limit int, cursor string) (Page[leadrouter.Notification], error) {
	limit = clampLimit(limit)
	q := `SELECT ` + notificationColumns + ` FROM notifications WHERE user_id = ? AND kind <> 'digest'`
	args := []any{userID}
	if unread {
		q += ` AND read_at IS NULL`
	}
	if cursor != "" {
		q += ` AND id < ?`
		args = append(args, cursor)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.Notification]{}, fmt.Errorf("list notifications: %w", err)
	}
	items, err := collect(rows, scanNotification)
	if err != nil {
		return Page[leadrouter.Notification]{}, err
	}
	return cut(items, limit, func(n leadrouter.Notification) string { return n.ID }), nil
}

// UnreadNotifications counts userID's unread notifications.
func (tx *Tx) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL AND kind <> 'digest'`, userID).Scan(&n)
	return n, err
}

// MarkNotificationRead marks one of userID's notifications read (again:
// no change); another user's is ENOTFOUND.
func (tx *Tx) MarkNotificationRead(ctx context.Context, userID, id string) (leadrouter.Notification, error) {
	if _, err := tx.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL`, tx.now, id, userID); err != nil {
		return leadrouter.Notification{}, fmt.Errorf("mark notification read: %w", err)
	}
	n, err := scanNotification(tx.QueryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ? AND user_id = ?`, id, userID))
	return n, notFound(err, "Notification")
}

// NotificationPrefs returns userID's chosen delivery modes (kinds not
// chosen are absent) and language.
func (tx *Tx) NotificationPrefs(ctx context.Context, userID string) (map[leadrouter.NotificationKind]leadrouter.DeliveryMode, string, error) {
	var lang string
	if err := tx.QueryRow(ctx, `SELECT lang FROM users WHERE id = ?`, userID).Scan(&lang); err != nil {
		return nil, "", notFound(err, "User")
	}
	return tx.notificationModes(ctx, userID, lang)
}

// UserSettings returns the language userID chose ("" when none: the
// browser's is used) and their own time zone ("" when none).
func (tx *Tx) UserSettings(ctx context.Context, userID string) (lang, zone string, err error) {
	err = tx.QueryRow(ctx, `SELECT CASE WHEN lang_chosen THEN lang ELSE '' END, time_zone FROM users WHERE id = ?`, userID).Scan(&lang, &zone)
	return lang, zone, notFound(err, "User")
}

// SetUserTimeZone stores the zone userID reads dates in ("" for their
// partner's zone, or UTC).
func (tx *Tx) SetUserTimeZone(ctx context.Context, userID, zone string) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET time_zone = ? WHERE id = ?`, zone, userID); err != nil {
		return fmt.Errorf("save time zone: %w", err)
	}
	return nil
}

func (tx *Tx) notificationModes(ctx context.Context, userID, lang string) (map[leadrouter.NotificationKind]leadrouter.DeliveryMode, string, error) {
	rows, err := tx.Query(ctx, `SELECT kind, mode FROM notification_prefs WHERE user_id = ?`, userID)
	if err != nil {
		return nil, "", fmt.Errorf("notification preferences: %w", err)
	}
	defer rows.Close()
	out := map[leadrouter.NotificationKind]leadrouter.DeliveryMode{}
	for rows.Next() {
		var k leadrouter.NotificationKind
		var m leadrouter.DeliveryMode
		if err := rows.Scan(&k, &m); err != nil {
			return nil, "", err
		}
		out[k] = m
	}
	return out, lang, rows.Err()
}

// SetNotificationPrefs stores userID's delivery modes (replacing those of
// the kinds given) and, if not empty, language.
func (tx *Tx) SetNotificationPrefs(ctx context.Context, userID string, modes map[leadrouter.NotificationKind]leadrouter.DeliveryMode, lang string) error {
	for k, m := range modes {
		if _, err := tx.Exec(ctx, `INSERT INTO notification_prefs (user_id, kind, mode) VALUES (?, ?, ?)
			ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode`, userID, k, m); err != nil {
			return fmt.Errorf("save notification preference: %w", err)
		}
	}
	switch lang {
	case "":
	case "auto": // the portal follows the browser; mail stays in the last language
		if _, err := tx.Exec(ctx, `UPDATE users SET lang_chosen = false WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("save language: %w", err)
		}
	default:
		if _, err := tx.Exec(ctx, `UPDATE users SET lang = ?, lang_chosen = true WHERE id = ?`, lang, userID); err != nil {
			return fmt.Errorf("save language: %w", err)
		}
	}
	return nil
}

// Recipient is a user a notification goes to, with what delivering it
// needs.
type Recipient struct {
	UserID    string
	Email     string
	Name      string
	Role      leadrouter.Role
	PartnerID string
	Lang      string
	// Mode is the user's choice for the kind asked about (empty: none).
	Mode leadrouter.DeliveryMode
}

// Recipients returns the users of partnerID (partner users) or of role
// (with partnerID empty), or the users ids, with their choice for kind.
func (tx *Tx) Recipients(ctx context.Context, kind leadrouter.NotificationKind, partnerID string, role leadrouter.Role, ids ...string) ([]Recipient, error) {
	// In a batch (the intake writer), through the directory cache.
	if tx.deferred == nil {
		return tx.recipients(ctx, kind, partnerID, role, ids...)
	}
	version, err := tx.directoryVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := string(kind) + "\x00" + partnerID + "\x00" + string(role) + "\x00" + strings.Join(ids, ",")
	if r, ok := tx.db.directory.recipientsOf(version, key); ok {
		return r, nil
	}
	out, err := tx.recipients(ctx, kind, partnerID, role, ids...)
	if err == nil {
		tx.db.directory.keepRecipients(version, key, out)
	}
	return out, err
}

func (tx *Tx) recipients(ctx context.Context, kind leadrouter.NotificationKind, partnerID string, role leadrouter.Role, ids ...string) ([]Recipient, error) {
	q := `SELECT u.id, u.email, u.name, u.role, COALESCE(u.partner_id, ''), u.lang, COALESCE(p.mode, '')
		FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.kind = ? WHERE `
	args := []any{kind}
	switch {
	case len(ids) > 0:
		cond, more := tx.idIn("u.id", ids)
		q += cond
		args = append(args, more...)
	case partnerID != "":
		q += `u.partner_id = ?`
		args = append(args, partnerID)
	default:
		q += `u.role = ?`
		args = append(args, role)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UserID, &r.Email, &r.Name, &r.Role, &r.PartnerID, &r.Lang, &r.Mode); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Outgoing is a notification claimed for sending, with its recipient.
type Outgoing struct {
	leadrouter.Notification
	To    Recipient
	lease time.Time
}

// ClaimOutgoing leases up to limit notifications due for e-mail (pending,
// next attempt due, no live lease) for lease, and returns them with their
// recipients. Another process skips them until the lease runs out, so a
// crashed sender's messages go out again (with the same Message-ID).
func (db *DB) ClaimOutgoing(ctx context.Context, limit int, lease time.Duration) ([]Outgoing, error) {
	var out []Outgoing
	err := db.Update(ctx, func(tx *Tx) error {
		out = out[:0]
		ids, err := tx.queryIDs(ctx, "claim notifications", `SELECT n.id FROM notifications n WHERE n.email = 'pending' AND n.next_at <= ?
			AND (n.lease_until IS NULL OR n.lease_until < ?) ORDER BY n.next_at LIMIT ?`+tx.skipLocked(), tx.now, tx.now, limit)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		until := tx.now.Add(lease)
		cond, args := tx.idIn("id", ids)
		if _, err := tx.Exec(ctx, `UPDATE notifications SET lease_until = ? WHERE `+cond, append([]any{until}, args...)...); err != nil {
			return fmt.Errorf("lease notifications: %w", err)
		}
		cond, args = tx.idIn("n.id", ids)
		rows, err := tx.Query(ctx, `SELECT n.id, n.user_id, n.kind, n.subject_id, n.data, n.created_at, n.read_at, n.email, n.attempts, n.sent_at,
			u.email, u.name, u.role, COALESCE(u.partner_id, ''), u.lang FROM notifications n JOIN users u ON u.id = n.user_id WHERE `+cond, args...)
		if err != nil {
			return fmt.Errorf("read claimed notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var o Outgoing
			var data string
			var read, sent sql.NullTime
			if err := rows.Scan(&o.ID, &o.UserID, &o.Kind, &o.SubjectID, &data, &o.CreatedAt, &read, &o.Notification.Email, &o.Attempts, &sent,
				&o.To.Email, &o.To.Name, &o.To.Role, &o.To.PartnerID, &o.To.Lang); err != nil {
				return err
			}
			o.Data, o.To.UserID, o.lease = []byte(data), o.UserID, until
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, err
}

// FinishOutgoing records how sending o went: sent, or (err set) another
// try after backoff, or failed for good (permanent). It changes nothing
// once o's lease was taken over by another sender.
func (db *DB) FinishOutgoing(ctx context.Context, o Outgoing, sendErr error, permanent bool, backoff time.Duration) error {
	return db.Update(ctx, func(tx *Tx) error {
		var err error
		switch {
		case sendErr == nil:
			_, err = tx.Exec(ctx, `UPDATE notifications SET email = 'sent', sent_at = ?, lease_until = NULL, attempts = attempts + 1, last_error = ''
				WHERE id = ? AND lease_until = ?`, tx.now, o.ID, o.lease)
		case permanent:
			_, err = tx.Exec(ctx, `UPDATE notifications SET email = 'failed', lease_until = NULL, attempts = attempts + 1, last_error = ?
				WHERE id = ? AND lease_until = ?`, truncate(sendErr.Error(), 500), o.ID, o.lease)
		default:
			_, err = tx.Exec(ctx, `UPDATE notifications SET next_at = ?, lease_until = NULL, attempts = attempts + 1, last_error = ?
				WHERE id = ? AND lease_until = ?`, tx.now.Add(backoff), truncate(sendErr.Error(), 500), o.ID, o.lease)
		}
		if err != nil {
			return fmt.Errorf("finish notification %s: %w", o.ID, err)
		}
		return nil
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ClaimDigests gathers, for up to limit users whose digest is due (next
// digest time passed or never set) and who have notifications waiting for
// it, those notifications into one digest notification made by build
// (pending for e-mail), marks them as sent with it, and sets each user's
// next digest time with next. It returns how many digests it made. Users
// another process is gathering are skipped.
func (db *DB) ClaimDigests(ctx context.Context, limit int, next func(now time.Time) time.Time,
	build func(userID string, items []leadrouter.Notification) leadrouter.Notification) (int, error) {
	made := 0
	err := db.Update(ctx, func(tx *Tx) error {
		made = 0
		users, err := tx.queryIDs(ctx, "due digests", `SELECT u.id FROM users u WHERE (u.next_digest_at IS NULL OR u.next_digest_at <= ?)
			AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.email = 'digest') ORDER BY u.id LIMIT ?`+tx.skipLocked(), tx.now, limit)
		if err != nil {
			return err
		}
		for _, userID := range users {
			items, err := collect2(tx.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE user_id = ? AND email = 'digest' ORDER BY id`, userID))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET next_digest_at = ? WHERE id = ?`, next(tx.now), userID); err != nil {
				return fmt.Errorf("next digest: %w", err)
			}
			if len(items) == 0 {
				continue
			}
			d := build(userID, items)
			d.UserID, d.Kind, d.Email, d.CreatedAt = userID, leadrouter.NotifyDigest, "pending", tx.now
			if err := tx.InsertNotification(ctx, d); err != nil {
				return err
			}
			ids := make([]string, len(items))
			for i, n := range items {
				ids[i] = n.ID
			}
			cond, args := tx.idIn("id", ids)
			if _, err := tx.Exec(ctx, `UPDATE notifications SET email = 'sent', digest_id = ?, sent_at = ? WHERE `+cond,
				append([]any{d.ID, tx.now}, args...)...); err != nil {
				return fmt.Errorf("gather digest: %w", err)
			}
			made++
		}
		return nil
	})
	return made, err
}

func collect2(rows *sql.Rows, err error) ([]leadrouter.Notification, error) {
	if err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	return collect(rows, scanNotification)
}

// NotificationsByID reads notifications by id (a digest's items).
func (tx *Tx) NotificationsByID(ctx context.Context, ids []string) ([]leadrouter.Notification, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cond, args := tx.idIn("id", ids)
	return collect2(tx.Query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE `+cond+` ORDER BY id`, args...))
}

// ClaimExpiringRegistrations returns the approved registrations expiring
// by before that were not warned at level yet (14 days: level 1, 3 days:
// level 2), marking them warned; rows others hold are skipped.
func (tx *Tx) ClaimExpiringRegistrations(ctx context.Context, before time.Time, level, limit int) ([]leadrouter.Registration, error) {
	ids, err := tx.queryIDs(ctx, "expiring registrations", `SELECT id FROM registrations WHERE status = 'approved' AND expires_at IS NOT NULL AND expires_at <= ?
		AND expires_at > ? AND expiry_warned < ? ORDER BY expires_at LIMIT ?`+tx.skipLocked(), before.UTC(), tx.now, level, limit)
	if err != nil {
		return nil, err
	}
	var out []leadrouter.Registration
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `UPDATE registrations SET expiry_warned = ? WHERE id = ?`, level, id); err != nil {
			return nil, fmt.Errorf("warn registration: %w", err)
		}
		reg, err := tx.Registration(ctx, leadrouter.System, id)
		if err != nil {
			return nil, err
		}
		out = append(out, reg)
	}
	return out, nil
}
