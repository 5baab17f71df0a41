package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/leadrouter/leadrouter"
)

const userColumns = `id, email, name, role, COALESCE(partner_id, ''), created_at`

func scanUser(s interface{ Scan(...any) error }) (leadrouter.User, error) {
	var u leadrouter.User
	var role string
	err := s.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PartnerID, &u.CreatedAt)
	u.Role = leadrouter.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// insertUser is the statement that stores a user (TestWritesScanNoTable
// reads its program).
const insertUser = `INSERT INTO users (id, email, name, role, partner_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`

// InsertUser stores a validated new user (password hashed with bcrypt)
// and issues its first API token, returned in plain text once; only its
// hash is stored. A taken e-mail is ECONFLICT.
func (tx *Tx) InsertUser(ctx context.Context, in leadrouter.NewUser) (leadrouter.User, string, error) {
	var hash any
	if in.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), tx.db.bcryptCost)
		if err != nil {
			return leadrouter.User{}, "", fmt.Errorf("hash password: %w", err)
		}
		hash = string(h)
	}
	u := leadrouter.User{ID: leadrouter.NewID("usr"), Email: in.Email, Name: in.Name, Role: in.Role, PartnerID: in.PartnerID, CreatedAt: tx.now}
	_, err := tx.Exec(ctx, insertUser,
		u.ID, u.Email, u.Name, string(u.Role), nullString(u.PartnerID), hash, u.CreatedAt)
	if isUniqueViolation(err) {
		return u, "", &leadrouter.Error{Code: leadrouter.ECONFLICT, Message: "A user with that e-mail exists.",
			Fields: []leadrouter.FieldError{{Field: "email", Message: "is already taken"}}}
	} else if err != nil {
		return u, "", fmt.Errorf("insert user: %w", err)
	}
	token, err := tx.CreateToken(ctx, u.ID)
	return u, token, err
}

// User returns a user as actor may see it: staff see everyone, a partner
// user only the users of its own partner.
func (tx *Tx) User(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.User, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	args := []any{id}
	if actor.IsPartner() {
		q += ` AND partner_id = ?`
		args = append(args, actor.PartnerID)
	} else if !actor.IsStaff() {
		return leadrouter.User{}, leadrouter.Errorf(leadrouter.ENOTFOUND, "User not found.")
	}
	u, err := scanUser(tx.QueryRow(ctx, q, args...))
	return u, notFound(err, "User")
}

// UserNames returns the names of the users with ids as actor may see them
// (as User: staff see everyone, a partner user only its own partner's),
// in one statement for them all; "" for an id actor may not see or that
// is no user's.
func (tx *Tx) UserNames(ctx context.Context, actor leadrouter.Actor, ids []string) (map[string]string, error) {
	_, users, err := tx.Names(ctx, actor, nil, ids)
	return users, err
}

// Users lists users actor may see, optionally of one role, by id.
func (tx *Tx) Users(ctx context.Context, actor leadrouter.Actor, role leadrouter.Role, limit int, cursor string) (Page[leadrouter.User], error) {
	limit = clampLimit(limit)
	q := `SELECT ` + userColumns + ` FROM users WHERE id > ?`
	args := []any{cursor}
	if actor.IsPartner() {
		q += ` AND partner_id = ?`
		args = append(args, actor.PartnerID)
	} else if !actor.IsStaff() {
		return Page[leadrouter.User]{Items: []leadrouter.User{}}, nil
	}
	if role != "" {
		q += ` AND role = ?`
		args = append(args, string(role))
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.User]{}, fmt.Errorf("list users: %w", err)
	}
	items, err := collect(rows, scanUser)
	if err != nil {
		return Page[leadrouter.User]{}, err
	}
	return cut(items, limit, func(u leadrouter.User) string { return u.ID }), nil
}

// UsersByRole returns the ids of every user with role (e.g. the sales
// users that the default queue rotates over), ordered by id.
func (tx *Tx) UsersByRole(ctx context.Context, role leadrouter.Role) ([]string, error) {
	return tx.queryIDs(ctx, "list "+string(role)+" users", `SELECT id FROM users WHERE role = ? ORDER BY id`, string(role))
}

// queryIDs runs a query selecting one text column and returns its values;
// what names the query in an error.
func (tx *Tx) queryIDs(ctx context.Context, what, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// newSecret returns a random string with 160 bits of entropy.
func newSecret(prefix string) string { return leadrouter.NewSecret(prefix) }

// HashSecret is how tokens and session ids are stored: SHA-256 (the secrets
// are random, so no salt or slow hash is needed).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a new API token for user and returns it in plain text;
// only its hash is stored.
func (tx *Tx) CreateToken(ctx context.Context, userID string) (string, error) {
	token := newSecret("lr_")
	if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, hash, user_id, created_at) VALUES (?, ?, ?, ?)`,
		leadrouter.NewID("tok"), HashSecret(token), userID, tx.now); err != nil {
		return "", fmt.Errorf("insert token: %w", err)
	}
	return token, nil
}

// Authenticate returns the user a bearer token belongs to.
func (db *DB) Authenticate(ctx context.Context, token string) (leadrouter.User, error) {
	var u leadrouter.User
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, COALESCE(u.partner_id, ''), u.created_at
			FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.revoked_at IS NULL`, HashSecret(token)))
		return err
	})
	if err != nil {
		return u, leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "The token is not valid.")
	}
	return u, nil
}

// CheckPassword returns the user with email when password matches its hash.
func (db *DB) CheckPassword(ctx context.Context, email, password string) (leadrouter.User, error) {
	var u leadrouter.User
	var hash *string
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).
			Scan(&u.ID, &u.Email, &u.Name, (*string)(&u.Role), &u.PartnerID, &u.CreatedAt, &hash)
	})
	bad := leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "Wrong e-mail or password.")
	if err != nil || hash == nil {
		// Spend the same time as a real check so e-mails cannot be probed.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z7Rka0G3qkP0F6gJ8ZfK9Zq6"), []byte(password))
		return u, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) != nil {
		return u, bad
	}
	return u, nil
}

// CreateSession starts a portal session for user and returns the session
// id (for the cookie) and its CSRF token; only the id's hash is stored.
// The user's expired sessions are deleted with it (through sessions_user),
// so a user keeps no more rows than the sessions started within one
// lifetime: a session that is never signed out expires but was otherwise
// kept forever.
func (db *DB) CreateSession(ctx context.Context, userID string, ttl time.Duration) (id, csrf string, err error) {
	id, csrf = newSecret("s_"), newSecret("c_")
	err = db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?`, userID, tx.now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			HashSecret(id), userID, csrf, tx.now, tx.now.Add(ttl))
		return err
	})
	return id, csrf, err
}

// SessionByID returns the live session with id.
func (db *DB) SessionByID(ctx context.Context, id string) (leadrouter.Session, error) {
	var s leadrouter.Session
	err := db.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, COALESCE(u.partner_id, ''), u.created_at, s.csrf,
				CASE WHEN u.lang_chosen THEN u.lang ELSE '' END, CASE WHEN u.time_zone <> '' THEN u.time_zone ELSE COALESCE(p.time_zone, '') END
			FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN partners p ON p.id = u.partner_id
			WHERE s.hash = ? AND s.expires_at > ?`, HashSecret(id), tx.now).
			Scan(&s.User.ID, &s.User.Email, &s.User.Name, (*string)(&s.User.Role), &s.User.PartnerID, &s.User.CreatedAt, &s.CSRF, &s.Lang, &s.TimeZone)
	})
	if err != nil {
		return s, leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "Please sign in.")
	}
	return s, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE hash = ?`, HashSecret(id))
		return err
	})
}

// CreateServiceToken creates a user of role (for partner, of partnerID)
// that stands for a token made on the command line, and returns the token.
func (db *DB) CreateServiceToken(ctx context.Context, role leadrouter.Role, partnerID string) (string, error) {
	if !role.Valid() {
		return "", leadrouter.Errorf(leadrouter.EINVALID, "unknown role %q", role)
	}
	var token string
	err := db.Update(ctx, func(tx *Tx) error {
		suffix := strings.ToLower(leadrouter.NewID("t")[2:])
		in := leadrouter.NewUser{
			Email: string(role) + "-" + suffix + "@tokens.leadrouter.invalid", Name: "Token (" + string(role) + ")", Role: role, PartnerID: partnerID,
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if partnerID != "" {
			if _, err := tx.Partner(ctx, leadrouter.System, partnerID); leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
				return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "No such partner.",
					Fields: []leadrouter.FieldError{{Field: "partner_id", Message: "must name an existing partner"}}}
			} else if err != nil {
				return err
			}
		}
		u, t, err := tx.InsertUser(ctx, in)
		if err != nil {
			return err
		}
		_ = u
		token = t
		return nil
	})
	var e *leadrouter.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return "", fmt.Errorf("%s: %s", e.Fields[0].Field, e.Fields[0].Message)
	}
	return token, err
}

// PartnerUsers lists the users of one partner, by name.
func (tx *Tx) PartnerUsers(ctx context.Context, partnerID string) ([]leadrouter.User, error) {
	rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users WHERE partner_id = ? AND role = 'partner' ORDER BY name, id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("partner users: %w", err)
	}
	return collect(rows, scanUser)
}
