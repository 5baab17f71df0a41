// Package store is the database/sql implementation of leadrouter's storage
// on SQLite (embedded, the default) and PostgreSQL: one schema, versioned
// migrations per engine, hand-written SQL, driver errors translated by code.
// Every partner-reachable query takes the Actor and filters by its partner.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"golang.org/x/crypto/bcrypt"

	"github.com/leadrouter/leadrouter"
)

// Engine names the database behind a DB.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open leadrouter database: a writer and a reader pool (the same
// pool on PostgreSQL; one writer connection on SQLite).
type DB struct {
	engine  Engine
	url     string
	writer  *sql.DB
	reader  *sql.DB
	dialect dialect
	// directory keeps the intake writer's partner and recipient reads
	// between batches (see directoryCache).
	directory directoryCache
	// wordings holds the ids of consent wordings (see Tx.wordingID).
	wordings wordingCache
	// maxIdle is the pool's idle connection limit (see dropIdle).
	maxIdle int
	// checkpointer copies the SQLite WAL into the database file in the
	// background (nil on PostgreSQL).
	checkpointer *checkpointer
	// keys derives index keys of names (see Options.MatchKeys).
	keys leadrouter.MatchKeys
	// bcryptCost is the cost of password hashes (see Options.BcryptCost).
	bcryptCost int
	// auditKey keys the events' hashes (see Options.AuditKey).
	auditKey []byte
	onEvent  func(ctx context.Context, tx *Tx, e leadrouter.Event) error
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// Options tunes Open.
type Options struct {
	// SQLiteSynchronous is the SQLite synchronous pragma (default FULL).
	SQLiteSynchronous string
	// MaxConns bounds the PostgreSQL pool and the SQLite reader pool.
	MaxConns int
	// MatchKeys derives the company keys, tokens and words the store
	// indexes (match.Keys); required.
	MatchKeys leadrouter.MatchKeys
	// BcryptCost is the cost of password hashes (default
	// bcrypt.DefaultCost; tests lower it).
	BcryptCost int
	// AuditKey keys the timelines' hash chains (HMAC-SHA256); it is kept
	// outside the database. Without one, events get unkeyed SHA-256
	// hashes as before the key existed.
	AuditKey []byte
	// OnEvent, when set, runs for every timeline event in the transaction
	// that appends it (the notification outbox writes its rows so: a
	// committed change always has its notifications, a rolled-back one
	// never does). It must only write through tx.
	OnEvent func(ctx context.Context, tx *Tx, e leadrouter.Event) error
}

// ParseURL splits a --db value into engine and driver DSN.
// "sqlite:path.db", "sqlite://path.db", "file:path.db" and a bare path select
// SQLite; "postgres://" and "postgresql://" select PostgreSQL.
func ParseURL(raw string) (Engine, string, error) {
	switch {
	case raw == "":
		return SQLite, "leadrouter.db", nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return SQLite, strings.TrimPrefix(raw, "sqlite://"), nil
	case strings.HasPrefix(raw, "sqlite:"):
		return SQLite, strings.TrimPrefix(raw, "sqlite:"), nil
	case strings.HasPrefix(raw, "file:"):
		return SQLite, strings.TrimPrefix(raw, "file:"), nil
	case strings.Contains(raw, "://"):
		return "", "", leadrouter.Errorf(leadrouter.EINVALID, "unsupported database URL %q (use sqlite:FILE or postgres://…)", raw)
	default:
		return SQLite, raw, nil
	}
}

// Open connects to the database named by rawURL. It does not migrate; call
// Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	engine, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.MatchKeys == nil {
		return nil, errors.New("store: Options.MatchKeys is required (match.Keys{})")
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	db := &DB{engine: engine, url: rawURL, keys: opts.MatchKeys, auditKey: opts.AuditKey, onEvent: opts.OnEvent, bcryptCost: cmp.Or(opts.BcryptCost, bcrypt.DefaultCost), Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	switch engine {
	case SQLite:
		registerSQLite()
		sync := opts.SQLiteSynchronous
		if sync == "" {
			sync = "FULL"
		}
		path, query, _ := strings.Cut(dsn, "?")
		base := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(15000)&_pragma=synchronous(" + sync + ")&_pragma=temp_store(2)&_time_format=sqlite"
		if query != "" {
			base += "&" + query
		}
		// The writer connection keeps a larger page cache (the leads
		// table and its indexes are what every capture touches) and does
		// not checkpoint on commit: the checkpointer does, on another
		// connection, so the group-commit writer never copies pages into
		// the database file itself.
		if db.writer, err = sql.Open(sqliteDriverName, base+"&_txlock=immediate&_pragma=cache_size(-32768)&_pragma=wal_autocheckpoint(0)"); err != nil {
			return nil, fmt.Errorf("open sqlite writer: %w", err)
		}
		db.writer.SetMaxOpenConns(1)
		db.writer.SetMaxIdleConns(1)
		db.writer.SetConnMaxIdleTime(0)
		if db.reader, err = sql.Open(sqliteDriverName, base+"&_pragma=query_only(1)"); err != nil {
			db.writer.Close()
			return nil, fmt.Errorf("open sqlite readers: %w", err)
		}
		db.reader.SetMaxOpenConns(opts.MaxConns)
		db.reader.SetMaxIdleConns(opts.MaxConns)
		db.dialect = sqliteDialect{}
		if db.checkpointer, err = startCheckpointer(base); err != nil {
			db.Close()
			return nil, err
		}
	case Postgres:
		if db.writer, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.writer.SetMaxOpenConns(opts.MaxConns)
		db.writer.SetMaxIdleConns(opts.MaxConns)
		db.maxIdle = opts.MaxConns
		db.writer.SetConnMaxIdleTime(5 * time.Minute)
		db.reader = db.writer
		db.dialect = postgresDialect{}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.writer.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", engine, err)
	}
	return db, nil
}

// Engine reports which database this is.
func (db *DB) Engine() Engine { return db.engine }

// Close closes the pools.
func (db *DB) Close() error {
	var errs []error
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	if db.reader != nil && db.reader != db.writer {
		errs = append(errs, db.reader.Close())
	}
	if db.checkpointer != nil {
		db.checkpointer.stop()
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers (for /healthz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.away(db.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one))
}

// away is unavailable(err) for this database: when the database is away
// on PostgreSQL, the idle connections of the pool are dropped too (they
// are likely dead after a restart or failover), so that the next attempt
// dials afresh instead of finding the next dead one.
func (db *DB) away(err error) error {
	err = unavailable(err)
	if db.engine == Postgres && db.maxIdle > 0 && IsUnavailable(err) {
		db.writer.SetMaxIdleConns(0)
		db.writer.SetMaxIdleConns(db.maxIdle)
	}
	return err
}

// Tx is a transaction with the time it started (every row it writes carries
// that time) and helpers that rebind placeholders for the engine.
type Tx struct {
	tx querier
	// conn is the connection a PostgreSQL write transaction runs on (for
	// Tx.pipeline), or nil.
	conn    *sql.Conn
	db      *DB
	now     time.Time
	dialect dialect
	// readOnly transactions take no row locks.
	readOnly bool
	// stmts are the statements prepared in this transaction (SQLite).
	stmts map[string]*sql.Stmt
	// afterCommit runs after a successful commit (e.g. cache refreshes).
	afterCommit []func()
	// detached transactions run statements without their contexts'
	// cancellation (see RunBatch).
	detached bool
	// deferred holds rows written at commit (see RunBatch), or nil.
	deferred *deferredWrites
	// item is the Batch.Item running, or nil: its savepoint is taken
	// before its first write (see Batch.Item).
	item *itemState
}

// itemState is one Batch.Item's: whether its savepoint is taken, and the
// error taking it gave (the transaction is then unusable).
type itemState struct {
	savepoint bool
	broken    error
}

// beforeWrite takes the running item's savepoint before its first
// statement that writes, so an item that only reads and defers its rows
// (a new lead) costs no round trip for it.
func (tx *Tx) beforeWrite(ctx context.Context, query string) error {
	if tx.item == nil || tx.item.savepoint || !writes(query) {
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT item`); err != nil {
		tx.item.broken = fmt.Errorf("savepoint: %w", translate(err))
		return tx.item.broken
	}
	tx.item.savepoint = true
	return nil
}

// writes reports whether a statement may change rows.
func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\n")
	return len(q) < 6 || !strings.EqualFold(q[:6], "SELECT")
}

func (tx *Tx) stmtCtx(ctx context.Context) context.Context {
	if tx.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// querier is what a Tx runs statements on: a *sql.Tx, or the pool itself
// for the statements of DB.Read on PostgreSQL.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Now is the transaction's timestamp.
func (tx *Tx) Now() time.Time { return tx.now }

// Engine reports the database engine of the transaction.
func (tx *Tx) Engine() Engine { return tx.db.engine }

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// stmt returns a statement prepared once per transaction on SQLite, whose
// driver would otherwise parse the SQL on every call (a group-commit batch
// runs the same statements for every lead in it). PostgreSQL's driver
// caches prepared statements per connection by itself: nil there.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx.db.engine != SQLite {
		return nil, nil
	}
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.stmtCtx(ctx)
	if err := tx.beforeWrite(ctx, query); err != nil {
		return nil, err
	}
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var res sql.Result
	if st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = tx.tx.ExecContext(ctx, tx.dialect.rebind(query), args...)
	}
	return res, translate(err)
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.stmtCtx(ctx)
	if err := tx.beforeWrite(ctx, query); err != nil {
		return nil, err
	}
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = tx.tx.QueryContext(ctx, tx.dialect.rebind(query), args...)
	}
	return rows, translate(err)
}

// QueryRow runs a query returning at most one row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.stmtCtx(ctx)
	// An upsert … RETURNING writes too. A failed savepoint breaks the
	// item (Batch.Item runs the batch again); the row reports the error
	// of the statement that follows it.
	_ = tx.beforeWrite(ctx, query)
	if st, err := tx.stmt(ctx, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.dialect.rebind(query), args...)
}

// lockRow runs an upsert that locks a row and returns it without changing
// it (or inserts a row that reads like an absent one). In a batch it takes
// no savepoint for the running item: an item failing later leaves nothing
// of it to undo (the lock is held until commit either way).
func (tx *Tx) lockRow(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.deferred == nil {
		return tx.QueryRow(ctx, query, args...)
	}
	ctx = tx.stmtCtx(ctx)
	if st, err := tx.stmt(ctx, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.dialect.rebind(query), args...)
}

// Update runs fn in a read-write transaction, committing when fn returns nil
// and retrying a few times when the database reports a transient conflict
// (serialisation failure, deadlock, busy).
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return db.update(ctx, false, fn)
}

func (db *DB) update(ctx context.Context, detached bool, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.run(ctx, db.writer, false, func(tx *Tx) error {
			if detached {
				tx.detached, tx.deferred = true, newDeferredWrites()
			}
			if err := fn(tx); err != nil {
				return err
			}
			return tx.flush(ctx)
		})
		if !isRetryable(err) {
			return db.away(err)
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return db.away(err) // busy past the retries
}

// View runs fn in a read-only transaction on the reader pool.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.away(db.run(ctx, db.reader, true, fn))
}

// Read runs fn's reads for a lookup that needs no consistent snapshot
// (each statement may see data committed after the one before): on
// PostgreSQL straight on the pool, which saves the BEGIN and COMMIT round
// trips of a transaction; on SQLite in a read transaction, which costs
// nothing there.
func (db *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	if db.engine != Postgres {
		return db.View(ctx, fn)
	}
	return db.away(fn(&Tx{tx: db.reader, db: db, now: db.Now(), dialect: db.dialect, readOnly: true}))
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(tx *Tx) error) error {
	var opts *sql.TxOptions
	if readOnly && db.engine == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	var conn *sql.Conn
	if !readOnly && db.engine == Postgres {
		// A write transaction on a connection of its own, so that a
		// batch's rows can be sent as one pipeline on it (Tx.pipeline).
		var err error
		if conn, err = pool.Conn(ctx); err != nil {
			return fmt.Errorf("begin transaction: %w", translate(err))
		}
		defer conn.Close()
	}
	var sqlTx *sql.Tx
	var err error
	if conn != nil {
		sqlTx, err = conn.BeginTx(ctx, opts)
	} else {
		sqlTx, err = pool.BeginTx(ctx, opts)
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", translate(err))
	}
	tx := &Tx{tx: sqlTx, conn: conn, db: db, now: db.Now(), dialect: db.dialect, readOnly: readOnly}
	defer sqlTx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// forUpdate is the row-locking suffix for SELECTs in this transaction.
func (tx *Tx) forUpdate() string {
	if tx.readOnly {
		return ""
	}
	return tx.dialect.forUpdate()
}

// skipLocked is the suffix of a SELECT that claims rows for a background
// job: it locks the rows it returns and skips those another transaction
// holds (PostgreSQL), so that several processes each take their own;
// SQLite has one writer, which serialises the claims.
func (tx *Tx) skipLocked() string {
	if tx.db.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}
