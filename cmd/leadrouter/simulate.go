package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
)

// runSimulate is `leadrouter simulate --policy FILE LEADS.csv [--against
// OTHER] [--db URL]`: it replays the file through the policy with an
// in-memory rotation and prints who would get how many leads. Partners and
// sales users come from the database (read only).
func runSimulate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	policyFile := fs.String("policy", "", "policy YAML to try (default: the built-in policy)")
	against := fs.String("against", "", "a second policy: list the leads whose assignee would change")
	if err := parseFlags(fs, reorderArgs(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: leadrouter simulate --policy FILE LEADS.csv [--against OTHER.yaml] [--db URL]")
	}
	load := func(path string) (*routing.Policy, error) {
		src := routing.DefaultPolicyYAML
		if path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			src = b
		}
		p, err := routing.ParsePolicy(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return p, nil
	}
	policy, err := load(*policyFile)
	if err != nil {
		return err
	}
	var other *routing.Policy
	if *against != "" {
		if other, err = load(*against); err != nil {
			return err
		}
	}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	var dir routing.Directory
	err = db.View(ctx, func(tx *store.Tx) error {
		var err error
		dir, err = live.LoadDirectory(ctx, tx, policy)
		return err
	})
	db.Close()
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	reader, err := routing.NewLeadReader(bufio.NewReaderSize(f, 1<<20), dir)
	if err != nil {
		return err
	}
	rep, err := routing.Simulate(ctx, policy, other, dir, reader.Next)
	if err != nil {
		return err
	}
	rep.WriteText(stdout)
	reader.WriteWarnings(stderr)
	return nil
}

// runPolicy is `leadrouter policy default` (print the built-in policy) and
// `leadrouter policy check FILE` (validate a policy file).
func runPolicy(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "default":
		_, err := stdout.Write(routing.DefaultPolicyYAML)
		return err
	case len(args) == 2 && args[0] == "check":
		b, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		if _, err := routing.ParsePolicy(b); err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		fmt.Fprintf(stdout, "%s: ok\n", args[1])
		return nil
	}
	return fmt.Errorf("usage: leadrouter policy default | leadrouter policy check FILE")
}
