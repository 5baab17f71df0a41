package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"modernc.org/sqlite"
)

// sqliteDriverName is modernc's SQLite driver wrapped so that each
// connection keeps the statements it prepared. database/sql prepares a
// statement per transaction (and closes it at the end), and SQLite's
// parser and planner cost more than running a small indexed statement:
// a lead's capture or a match lookup runs a dozen different statements,
// each parsed again in every transaction without this cache.
const sqliteDriverName = "sqlite-leadrouter"

// stmtCacheSize bounds the statements kept per connection (queries with
// IN lists of varying length have many texts).
const stmtCacheSize = 256

// SQLiteDriver registers the caching SQLite driver (once) and returns its
// name for sql.Open.
func SQLiteDriver() string {
	registerSQLite()
	return sqliteDriverName
}

// registerSQLite registers the caching driver once, the first time a
// SQLite database is opened.
var registerSQLite = sync.OnceFunc(func() {
	base := &sqlite.Driver{}
	// lr_fold(s) is foldName in SQL: SQLite's lower() folds ASCII letters
	// only, and migration 0019 writes the person tokens of stored leads
	// with it, as the indexer does in Go (an "Özil" stored before it is
	// found by "özil" too).
	if err := base.RegisterDeterministicScalarFunction("lr_fold", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return foldName(v), nil
		case []byte:
			return foldName(string(v)), nil
		case nil:
			return "", nil
		default:
			return nil, fmt.Errorf("lr_fold of %T", v)
		}
	}); err != nil {
		panic(err)
	}
	sql.Register(sqliteDriverName, cachingDriver{base: base})
})

type cachingDriver struct{ base driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	sc, ok := c.(sqliteConn)
	if !ok {
		c.Close()
		return nil, errors.New("sqlite driver connection lacks context methods")
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// The interfaces of modernc's connection that database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is one SQLite connection with its prepared statements; the
// connection's other methods are modernc's own. database/sql uses a
// connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns the connection's statement for query, preparing
// it on first use. A statement already in use (the same query prepared
// twice in one transaction) gets a fresh, uncached one.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok && !st.inUse {
		st.inUse = true
		return st, nil
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := c.stmts[query]; ok {
		return ds, nil // the cached one is busy: this one is closed as usual
	}
	if len(c.stmts) >= stmtCacheSize {
		for q, old := range c.stmts {
			if !old.inUse {
				_ = old.Stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	st := &cachedStmt{Stmt: ds, inUse: true}
	c.stmts[query] = st
	return st, nil
}

// Close finalises the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// cachedStmt is a prepared statement that outlives the transaction that
// prepared it: Close hands it back to its connection.
type cachedStmt struct {
	driver.Stmt
	inUse bool
}

func (s *cachedStmt) Close() error {
	s.inUse = false
	return nil
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, driver.ErrSkip
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, driver.ErrSkip
}
