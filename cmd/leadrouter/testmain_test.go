package main

import (
	"os"
	"testing"
)

// TestMain keeps the audit keys and checkpoint files of the tests' servers
// and commands in a temporary directory: for PostgreSQL their default is
// the working directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leadrouter-audit-")
	if err != nil {
		panic(err)
	}
	os.Setenv("LEADROUTER_AUDIT_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
