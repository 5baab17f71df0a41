package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/leadrouter/leadrouter"
)

// errRetry marks a transient conflict that Update retries.
type errRetry struct{ err error }

func (e errRetry) Error() string { return "transient database conflict: " + e.err.Error() }
func (e errRetry) Unwrap() error { return e.err }

// constraintError is a unique or foreign-key violation, kept with the
// constraint name so callers can tell which key clashed.
type constraintError struct {
	code       string
	constraint string
	err        error
}

func (e *constraintError) Error() string {
	return fmt.Sprintf("constraint %s violated: %v", e.constraint, e.err)
}
func (e *constraintError) Unwrap() error { return e.err }

// translate maps driver errors to domain errors by code, never by message.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return errRetry{err}
		case "23505": // unique_violation
			return &constraintError{code: leadrouter.ECONFLICT, constraint: pgErr.ConstraintName, err: err}
		case "23503", "23514", "23502": // foreign key, check, not null
			return &constraintError{code: leadrouter.EINVALID, constraint: pgErr.ConstraintName, err: err}
		}
		return err
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
			return errRetry{err}
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &constraintError{code: leadrouter.ECONFLICT, constraint: sqErr.Error(), err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return &constraintError{code: leadrouter.EINVALID, constraint: sqErr.Error(), err: err}
		}
	}
	return err
}

func isRetryable(err error) bool {
	var r errRetry
	return errors.As(err, &r)
}

// isUniqueViolation reports whether err is a unique-key clash.
func isUniqueViolation(err error) bool {
	var c *constraintError
	return errors.As(err, &c) && c.code == leadrouter.ECONFLICT
}

// isConstraintViolation reports whether err is a check, foreign-key or
// not-null violation.
func isConstraintViolation(err error) bool {
	var c *constraintError
	return errors.As(err, &c) && c.code == leadrouter.EINVALID
}

// notFound turns sql.ErrNoRows into a domain ENOTFOUND error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "%s not found.", what)
	}
	return err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// IsTransient reports whether err is a transient conflict (deadlock,
// serialisation failure, busy) after which the whole transaction should be
// run again.
func IsTransient(err error) bool { return isRetryable(err) }

// validationOf starts collecting field errors with those of a Validate
// call; an error that is no validation error is returned as it is.
func validationOf(err error) (leadrouter.Validation, error) {
	var v leadrouter.Validation
	if leadrouter.ErrorCode(err) == leadrouter.EINVALID {
		v.Fields = append(v.Fields, leadrouter.ErrorFields(err)...)
		return v, nil
	}
	return v, err
}

// checkPartnerRef adds a field error to v when id names no partner; a
// failed read is returned.
func (tx *Tx) checkPartnerRef(ctx context.Context, v *leadrouter.Validation, field, id string) error {
	if id == "" {
		return nil
	}
	_, err := tx.Partner(ctx, leadrouter.System, id)
	if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
		v.Add(field, "must name an existing partner")
		return nil
	}
	return err
}
