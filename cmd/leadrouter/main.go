// Command leadrouter runs the partner lead-referral and lead-routing
// service and its administrative commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `leadrouter: partner referral tracking and lead routing

Usage:
  leadrouter serve [--addr :8080] [--db URL] [--policy FILE] [--site-hosts H1,H2] [--upstream URL | --demo]
  leadrouter migrate [--db URL]
  leadrouter token create --role ROLE [--partner ID] [--db URL]
  leadrouter token revoke TOKEN_ID [--db URL]
  leadrouter audit verify [--db URL]

Every flag also reads LEADROUTER_<NAME> (e.g. LEADROUTER_DB). Run
"leadrouter COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "leadrouter:", err)
		}
		os.Exit(1)
	}
}

// run dispatches a command line; it is what main and the tests call.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdin, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdin, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, rest, stdin, stdout, stderr)
	case "policy":
		return runPolicy(ctx, rest, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	m := NewMain()
	m.Stdout = stdout
	bindServeFlags(fs, &m.Config)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	m.Logger = newLogger(stderr, m.Config.LogFormat, m.Config.LogLevel)
	// A GC policy for a server: collect less often, but never let the heap
	// grow past the memory limit (SPEC: RSS ≤ 250 MB with 1M leads).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(m.Config.GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" && m.Config.MemoryLimit > 0 {
		debug.SetMemoryLimit(m.Config.MemoryLimit)
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Logger.Info("shutting down")
	return m.Close()
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
