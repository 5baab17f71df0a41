package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

func openDB(ctx context.Context, url string) (*store.DB, error) {
	keyFile, _ := auditPaths(url)
	key, _, err := audit.LoadKey(keyFile, true)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, url, store.Options{AuditKey: key, MatchKeys: match.Keys{}})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "sqlite:leadrouter.db", "database URL: sqlite:FILE or postgres://…")
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbURL, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s) to %s database\n", n, db.Engine())
	return nil
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "revoke" {
		return runTokenRevoke(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: leadrouter token create --role ROLE [--partner ID] [--db URL] | leadrouter token revoke TOKEN_ID [--db URL]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	role := fs.String("role", "", "role of the token: admin, pam, relations, support, sales, partner")
	partner := fs.String("partner", "", "partner id (or PID) for a partner token")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	partnerID, err := resolvePartner(ctx, db, *partner)
	if err != nil {
		return err
	}
	token, err := db.CreateServiceToken(ctx, leadrouter.Role(*role), partnerID)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

// runTokenRevoke revokes a token by id (servers stop accepting it within
// the five seconds they cache tokens).
func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" {
		return fmt.Errorf("usage: leadrouter token revoke TOKEN_ID [--db URL]")
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var t leadrouter.Token
	if err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		t, _, err = admin.RevokeToken(ctx, tx, leadrouter.System, id)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s (user %s) at %s\n", t.ID, t.UserID, t.RevokedAt.Format(time.RFC3339))
	return nil
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := fmt.Errorf("usage: leadrouter audit verify|checkpoint [--db URL] [--key FILE] [--log FILE] [--root ROOT]")
	if len(args) == 0 || args[0] != "verify" && args[0] != "checkpoint" {
		return usage
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	keyFile := fs.String("key", "", "the audit key file (default: beside a SQLite database, or LEADROUTER_AUDIT_KEY_FILE)")
	logFile := fs.String("log", "", "the checkpoint file (default: beside a SQLite database, or LEADROUTER_AUDIT_LOG)")
	root := fs.String("root", "", "verify: a checkpoint root kept by the operator, which the checkpoint file must hold")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	defaultKey, defaultLog := auditPaths(*dbURL)
	if *keyFile == "" {
		*keyFile = defaultKey
	}
	if *logFile == "" {
		*logFile = defaultLog
	}
	// verify never makes a key: without the right one, keyed hashes fail.
	key, _, err := audit.LoadKey(*keyFile, args[0] == "checkpoint")
	if err != nil && args[0] == "checkpoint" {
		return err
	}
	db, err := store.Open(ctx, *dbURL, store.Options{AuditKey: key, MatchKeys: match.Keys{}})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	log := &audit.Log{Path: *logFile, Key: key}
	if args[0] == "checkpoint" {
		n, _, err := audit.Checkpoint(ctx, db, log)
		if err != nil {
			return err
		}
		st, err := audit.ReadLog(*logFile, key)
		if err != nil {
			return err
		}
		last := ""
		if len(st.Roots) > 0 {
			last = st.Roots[len(st.Roots)-1]
		}
		fmt.Fprintf(stdout, "checkpoint root %s (%d timelines in %s, %d heads written now); keep this line where the database cannot reach\n", last, len(st.Heads), *logFile, n)
		return nil
	}
	st, err := audit.ReadLog(*logFile, key)
	if err != nil {
		return err
	}
	if *root != "" && !slices.Contains(st.Roots, *root) {
		return fmt.Errorf("audit failed: %s holds no checkpoint with root %s: the file was replaced or cut", *logFile, *root)
	}
	report, err := audit.Verify(ctx, db, key, st)
	if err != nil {
		return err
	}
	for _, f := range report.Findings {
		fmt.Fprintf(stdout, "BROKEN: %s\n", f)
	}
	if len(report.Findings) > 0 {
		return fmt.Errorf("audit failed: %d problems in %d timelines, %d events, %d consent records", len(report.Findings), report.Timelines, report.Events, report.Consents)
	}
	fmt.Fprintf(stdout, "ok: %d events in %d timelines and %d consent records verified; %d timelines against the checkpoints in %s\n",
		report.Events, report.Timelines, report.Consents, report.Checkpointed, *logFile)
	return nil
}

// resolvePartner turns a --partner flag, a partner id or a PID, into the
// partner's id ("" stays ""); anything else is an error, so a mistyped flag
// is not taken for a partner that has nothing.
func resolvePartner(ctx context.Context, db *store.DB, idOrPID string) (string, error) {
	if idOrPID == "" {
		return "", nil
	}
	var id string
	err := db.View(ctx, func(tx *store.Tx) error {
		if p, err := tx.Partner(ctx, leadrouter.System, idOrPID); err == nil {
			id = p.ID
			return nil
		} else if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			return err
		}
		if p, err := tx.PartnerByPID(ctx, idOrPID); err == nil {
			id = p.ID
			return nil
		} else if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			return err
		}
		return fmt.Errorf("--partner %s: no partner has this id or PID", idOrPID)
	})
	return id, err
}
