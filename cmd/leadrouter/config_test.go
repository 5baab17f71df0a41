package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigValidate: flags that make no sense are refused at start with
// every problem named.
func TestConfigValidate(t *testing.T) {
	parse := func(args ...string) error {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		var c Config
		bindServeFlags(fs, &c)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return c.Validate()
	}
	if err := parse(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	err := parse("--form-rate", "0", "--webhook-timeout", "0s", "--attribution", "linear")
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	for _, want := range []string{"--form-rate", "--webhook-timeout", "--attribution"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not name %s", err, want)
		}
	}
	if err := parse("--webhook-concurrency", "0"); err == nil || !strings.Contains(err.Error(), "--webhook-concurrency") {
		t.Errorf("--webhook-concurrency 0: %v", err)
	}
	// A broken policy file is refused before anything is opened, naming
	// the file and the line.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("rules:\n  - id: x\n    action: teleport\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := parse("--policy", bad); err == nil || !strings.Contains(err.Error(), "--policy "+bad) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a bad policy: %v", err)
	}
	if err := parse("--policy", bad+".missing"); err == nil || !strings.Contains(err.Error(), "--policy") {
		t.Errorf("a missing policy: %v", err)
	}
}
