package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

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

// unavailableError is a driver error meaning the database cannot be reached
// or cannot serve right now (restarting, failing over, out of
// connections, busy past its timeout). It reads as a domain EUNAVAILABLE
// error (errors.As) and keeps the driver's error for the logs (Unwrap).
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return "database unavailable: " + e.err.Error() }
func (e unavailableError) Unwrap() error { return e.err }

// As lets leadrouter.ErrorCode and ErrorMessage see an EUNAVAILABLE error.
func (e unavailableError) As(target any) bool {
	if t, ok := target.(**leadrouter.Error); ok {
		*t = leadrouter.Errorf(leadrouter.EUNAVAILABLE, "The database is unavailable for a moment. Please try again.")
		return true
	}
	return false
}

// unavailable wraps err when it means the database is away; any other
// error is returned as it is. It is applied where errors leave the store
// (a transaction, a read, Ping), after Update's retries of busy errors.
func unavailable(err error) error {
	if err == nil || IsUnavailable(err) || !databaseAway(err) {
		return err
	}
	return unavailableError{err}
}

// IsUnavailable reports whether err says the database is away for a moment
// (see unavailable): a request that failed with it may be tried again.
func IsUnavailable(err error) bool {
	var u unavailableError
	return errors.As(err, &u)
}

// Unavailable returns err as an EUNAVAILABLE error when it is a driver
// error meaning the database is away, and err unchanged otherwise: for
// errors that reached the caller without passing a store boundary.
func Unavailable(err error) error { return unavailable(err) }

// databaseAway classifies driver errors by code and type, never by message.
func databaseAway(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		case pgErr.Code == "53300": // too_many_connections
			return true
		case strings.HasPrefix(pgErr.Code, "08"): // connection exceptions
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr *net.OpError
	var sqErr *sqlite.Error
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr):
		return true
	case pgconn.SafeToRetry(err): // failed before anything reached the server (a closed connection)
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &sqErr):
		switch sqErr.Code() {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
			return true
		}
	}
	return false
}

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
		if databaseAway(err) {
			return unavailableError{err}
		}
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
	if databaseAway(err) && !isSQLiteError(err) {
		return unavailableError{err}
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

func isSQLiteError(err error) bool {
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr)
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
