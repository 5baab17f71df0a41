package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/intake"
)

// runImport is `leadrouter import leads FILE.csv [--db URL] [--report FILE]`.
func runImport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "leads" {
		return fmt.Errorf("usage: leadrouter import leads FILE.csv [--db URL] [--report FILE.csv]")
	}
	fs := flag.NewFlagSet("import leads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs)
	policyFile := fs.String("policy", "", "routing policy file (default: the stored one)")
	reportPath := fs.String("report", "-", "where to write the per-row report (CSV; - for standard output)")
	if err := parseFlags(fs, reorderArgs(args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: leadrouter import leads FILE.csv [--db URL] [--report FILE.csv]")
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	var size int64
	if st, err := in.Stat(); err == nil {
		size = st.Size()
	}
	counted := &countingReader{r: in}
	db, err := openDB(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	router, err := newRouter(ctx, db, *policyFile)
	if err != nil {
		return err
	}
	writer := intake.NewWriter(db, 256)
	defer writer.Close()
	// Imported leads routed to a partner wait for its answer like any (the
	// server's job lapses them).
	svc := &intake.Service{DB: db, Writer: writer, Router: router,
		Assignments: &assignment.Service{DB: db, Policy: router, Reroute: router.Reroute}}

	out := stdout
	if *reportPath != "-" {
		f, err := os.Create(*reportPath)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	report := csv.NewWriter(out)
	defer report.Flush()
	_ = report.Write([]string{"row", "outcome", "lead_id", "detail"})
	// The imported leads' company words are indexed as the import goes,
	// as a server does behind its writer (the cursor is claimed: a server
	// indexing at the same time takes turns with this process), and the
	// rest before the command ends: the leads are found by their company's
	// words once it has, whether or not a server runs.
	indexer := &intake.Indexer{DB: db, Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	indexCtx, stopIndexing := context.WithCancel(ctx)
	indexed := make(chan struct{})
	go func() { defer close(indexed); indexer.Run(indexCtx) }()
	stopIndexer := func() { stopIndexing(); <-indexed }
	defer stopIndexer()
	start := time.Now()
	lastProgress := start
	done := 0
	rep, err := svc.Import(ctx, leadrouter.Actor{UserID: "import", Name: "CSV import", Role: leadrouter.RoleAdmin}, counted, 64, func(o intake.RowOutcome) {
		_ = report.Write([]string{strconv.Itoa(o.Row), o.Outcome, o.LeadID, o.Detail})
		done++
		if time.Since(lastProgress) > time.Second {
			lastProgress = time.Now()
			fmt.Fprintln(stderr, progress(done, counted.n.Load(), size, time.Since(start)))
		}
	})
	report.Flush()
	stopIndexer()
	if err == nil {
		err = indexRest(ctx, indexer, stderr)
	}
	fmt.Fprintf(stderr, "done: %d rows: %d created, %d merged, %d unchanged, %d rejected, %d blank in %s\n",
		rep.Rows, rep.Created, rep.Merged, rep.Unchanged, rep.Rejected, rep.Skipped, time.Since(start).Round(time.Millisecond))
	return err
}

// indexRest indexes the company words of the leads the import's indexer
// has not reached. On PostgreSQL a lead is indexed once every transaction
// older than its own has ended, other processes' too: it waits up to a
// minute for them, and leaves what remains to a server's indexer.
func indexRest(ctx context.Context, indexer *intake.Indexer, stderr io.Writer) error {
	for deadline := time.Now().Add(time.Minute); ; {
		if _, err := indexer.IndexCompanies(ctx); err != nil {
			return err
		}
		left, err := indexer.Lag(ctx)
		if err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(stderr, "%d leads wait for their company words to be indexed: a server's indexer will do it\n", left)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// reorderArgs moves flags before positional arguments so that
// `import leads FILE --db X` works like `import leads --db X FILE`.
func reorderArgs(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if !containsEq(a) && i+1 < len(args) && !isBoolFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func containsEq(s string) bool {
	for _, c := range s {
		if c == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(a string) bool { return a == "--demo" || a == "-demo" || a == "-h" || a == "--help" }

// countingReader counts the bytes read through it (the import's progress).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress is an import's progress line: rows, rows/s and, from the share
// of the file read, the time left.
func progress(rows int, read, size int64, elapsed time.Duration) string {
	line := fmt.Sprintf("imported %d rows (%.0f rows/s)", rows, float64(rows)/elapsed.Seconds())
	if size > 0 && read > 0 && read <= size {
		left := time.Duration(float64(elapsed) * float64(size-read) / float64(read))
		line += fmt.Sprintf(", %.0f%% of the file, about %s left", 100*float64(read)/float64(size), left.Round(time.Second))
	}
	return line
}
