package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/leadrouter/leadrouter/store"
)

// auditPaths are the default places of the audit key and the checkpoint
// file for a database URL: beside a SQLite file (leadrouter.db →
// leadrouter.db.audit-key, leadrouter.db.audit-log); for PostgreSQL in
// LEADROUTER_AUDIT_DIR or the working directory, the checkpoint file named
// after the URL (leadrouter-1a2b3c4d.audit-log), one a database.
// LEADROUTER_AUDIT_KEY_FILE and LEADROUTER_AUDIT_LOG override them for
// every command.
func auditPaths(dbURL string) (keyFile, logFile string) {
	dir := os.Getenv("LEADROUTER_AUDIT_DIR")
	if engine, dsn, err := store.ParseURL(dbURL); err == nil && engine == store.SQLite {
		base, _, _ := strings.Cut(dsn, "?")
		keyFile, logFile = base+".audit-key", base+".audit-log"
		if dir != "" {
			keyFile, logFile = filepath.Join(dir, filepath.Base(keyFile)), filepath.Join(dir, filepath.Base(logFile))
		}
	} else {
		sum := sha256.Sum256([]byte(dbURL))
		keyFile, logFile = filepath.Join(dir, "leadrouter.audit-key"), filepath.Join(dir, "leadrouter-"+hex.EncodeToString(sum[:4])+".audit-log")
	}
	if v := os.Getenv("LEADROUTER_AUDIT_KEY_FILE"); v != "" {
		keyFile = v
	}
	if v := os.Getenv("LEADROUTER_AUDIT_LOG"); v != "" {
		logFile = v
	}
	return keyFile, logFile
}
