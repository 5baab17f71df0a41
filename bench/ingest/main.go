// Command ingest measures durable lead ingestion through the HTTP API
// against a bare insert-one-row-per-commit loop on the same store, with a
// realistic preload (1M leads, 100k accounts by default), and the p99 of
// match lookups under that data.
//
//	go run ./bench/ingest [-db sqlite,postgres://…] [-leads 1000000] [-accounts 100000]
//
// -db is a comma-separated list of stores, each measured in turn in the
// same command ("sqlite" alone is a SQLite file in a temporary directory);
// the last lines are a table of the stores side by side: explained/s,
// stored/s, stored/explained (the bar: ≥ 0.5) and the bytes each
// stored lead added to the database.
//
// It builds and starts `leadrouter serve` as a separate process (so its
// peak RSS can be read from /proc), drives POST /api/v1/leads with -clients
// concurrent clients for -duration, and prints leads/s, the bare loop's
// rows/s, the ratio, p50/p99 latency, peak RSS and GET /api/v1/matches p99.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

func main() {
	dbURLs := flag.String("db", "sqlite", "comma-separated databases to measure in turn: sqlite (a file in a temporary directory), sqlite:/path, postgres://…")
	nLeads := flag.Int("leads", 1_000_000, "leads to preload")
	nAccounts := flag.Int("accounts", 100_000, "accounts to preload")
	clients := flag.Int("clients", 64, "concurrent API clients")
	duration := flag.Duration("duration", 20*time.Second, "how long to drive each load")
	bin := flag.String("bin", "", "prebuilt leadrouter binary (default: build ./cmd/leadrouter)")
	reuse := flag.Bool("reuse", false, "with -db: keep a database an earlier run preloaded (skips the preload when it holds -leads leads)")
	flag.IntVar(&importRows, "import", 0, "after the API load, import this many new leads with `leadrouter import leads` into the same store and compare its rows/s with the API's stored/s (the bar: ≥ 0.5)")
	flag.IntVar(&webhooks, "webhooks", 0, "subscribe this many paused webhooks to every event before the loads (paused, none is sent: their cursors stay behind)")
	flag.Func("server-flags", "more flags for `leadrouter serve`, space-separated: \"--index-poll 1h\" measures the server without its company-token indexer (a lead's tokens are then not written during the loads)", func(v string) error {
		serverFlags = append(serverFlags, strings.Fields(v)...)
		return nil
	})
	flag.StringVar(&profileDir, "profile", "", "write the server's CPU profile of each load to this directory (match-ENGINE.pprof, explain-ENGINE.pprof, store-ENGINE.pprof)")
	flag.Parse()
	var results []result
	for _, dbURL := range strings.Split(*dbURLs, ",") {
		res, err := run(strings.TrimSpace(dbURL), *nLeads, *nAccounts, *clients, *duration, *bin, *reuse)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ingest:", err)
			os.Exit(1)
		}
		results = append(results, res)
	}
	fmt.Printf("\n%d leads preloaded, %d clients, %s a load, %d paused webhook subscriptions\n", *nLeads, *clients, *duration, webhooks)
	if len(serverFlags) > 0 {
		fmt.Printf("the server ran with %s\n", strings.Join(serverFlags, " "))
	}
	fmt.Println("| store | explained/s | stored/s | stored/explained (bar ≥ 0.5) | bytes per stored lead | import rows/s | import/stored (bar ≥ 0.5) |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range results {
		imp, ratio := "–", "–"
		if r.imported > 0 {
			imp, ratio = fmt.Sprintf("%.0f (%d rows)", r.imported, importRows), fmt.Sprintf("%.2f", r.imported/r.stored)
		}
		fmt.Printf("| %s | %.0f | %.0f | %.2f | %.0f | %s | %s |\n", r.engine, r.explained, r.stored, r.stored/r.explained, r.bytesPerLead, imp, ratio)
	}
}

// profileDir, if set, receives the server's CPU profiles.
var profileDir string

// importRows, if set, is the size of the CSV file imported after the load.
var importRows int

// webhooks is how many paused subscriptions the loads run with.
var webhooks int

// serverFlags are more flags for `leadrouter serve` (-server-flags).
var serverFlags []string

// profiled runs load while the server's CPU profile of d is taken into
// profileDir/name.pprof (when profileDir is set).
func profiled(name string, d time.Duration, load func() error) error {
	if profileDir == "" {
		return load()
	}
	done := make(chan error, 1)
	go func() {
		secs := max(int(d.Seconds())-1, 1)
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:18932/debug/pprof/profile?seconds=%d", secs))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(profileDir, name+".pprof"))
		if err == nil {
			_, err = io.Copy(f, resp.Body)
			f.Close()
		}
		done <- err
	}()
	err := load()
	if perr := <-done; err == nil && perr != nil {
		err = fmt.Errorf("profile: %w", perr)
	}
	return err
}

// result is one store's figures.
type result struct {
	engine            store.Engine
	explained, stored float64
	bytesPerLead      float64
	imported          float64 // rows/s of the CSV import, if run
}

func run(dbURL string, nLeads, nAccounts, clients int, duration time.Duration, bin string, reuse bool) (result, error) {
	res, err := measure(dbURL, nLeads, nAccounts, clients, duration, bin, reuse)
	if err != nil {
		return res, fmt.Errorf("%s: %w", dbURL, err)
	}
	return res, nil
}

func measure(dbURL string, nLeads, nAccounts, clients int, duration time.Duration, bin string, reuse bool) (res result, err error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "lr-ingest-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	if dbURL == "" || dbURL == "sqlite" {
		dbURL = "sqlite:" + filepath.Join(tmp, "bench.db")
	}
	if bin == "" {
		bin = filepath.Join(tmp, "leadrouter")
		build := exec.Command("go", "build", "-o", bin, "./cmd/leadrouter")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return res, fmt.Errorf("build: %w", err)
		}
	}
	db, err := store.Open(ctx, dbURL, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		return res, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return res, err
	}
	start := time.Now()
	var token string
	var have int
	if reuse {
		if err := db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM leads`).Scan(&have) }); err != nil {
			return res, err
		}
	}
	if reuse && have >= nLeads {
		fmt.Printf("reusing %d stored leads\n", have)
		err = db.Update(ctx, func(tx *store.Tx) error {
			_, token, err = admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: fmt.Sprintf("bench%d@vendor.example", time.Now().UnixNano()), Name: "Bench", Role: leadrouter.RoleAdmin})
			return err
		})
	} else {
		token, err = preload(ctx, db, nLeads, nAccounts)
		fmt.Printf("preloaded %d leads and %d accounts in %s\n", nLeads, nAccounts, time.Since(start).Round(time.Second))
	}
	if err != nil {
		return res, err
	}
	if webhooks > 0 {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := range webhooks {
				if err := tx.InsertWebhook(ctx, leadrouter.Webhook{ID: leadrouter.NewID("whk"), URL: fmt.Sprintf("https://hooks%d.example/bench", i),
					Secret: leadrouter.NewSecret("whsec_"), Events: leadrouter.WebhookEventNames(), CreatedAt: tx.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		fmt.Printf("%d paused webhook subscriptions to every event\n", webhooks)
	}
	if db.Engine() == store.Postgres {
		// What autovacuum does on a live server: statistics of the
		// preloaded tables for the planner, and the visibility map, without
		// which index-only scans (the company-token postings) visit the
		// heap for every row. VACUUM cannot run in a transaction.
		pg, err := sql.Open("pgx", dbURL)
		if err != nil {
			return res, err
		}
		_, err = pg.ExecContext(ctx, "VACUUM ANALYZE")
		pg.Close()
		if err != nil {
			return res, fmt.Errorf("vacuum: %w", err)
		}
	}

	var bare float64
	if db.Engine() == store.Postgres {
		// The PostgreSQL reference is pgbench itself: single-row insert
		// transactions at the same concurrency.
		db.Close()
		if bare, err = pgbenchInserts(dbURL, clients, duration); err != nil {
			return res, err
		}
		fmt.Printf("reference: pgbench single-row INSERT transactions, %d clients: %.0f tps\n", clients, bare)
	} else {
		// The SQLite reference is one bare loop inserting a row per commit
		// on the same file and durability settings.
		db.Close()
		_, path, _ := store.ParseURL(dbURL)
		path, _, _ = strings.Cut(path, "?")
		if bare, err = bareLoop(ctx, path, duration); err != nil {
			return res, err
		}
		fmt.Printf("reference: one bare SQLite insert-one-row-per-commit loop (synchronous=FULL): %.0f rows/s\n", bare)
	}

	sizeBefore, leadsBefore, err := footprint(ctx, dbURL)
	if err != nil {
		return res, err
	}

	addr := "127.0.0.1:18931"
	srv := exec.Command(bin, append([]string{"serve", "--addr", addr, "--db", dbURL, "--log-level", "error", "--debug-addr", "127.0.0.1:18932",
		"--audit-key-file", filepath.Join(tmp, "bench.audit-key")}, serverFlags...)...)
	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	if err := srv.Start(); err != nil {
		return res, err
	}
	var once sync.Once
	stop := func() { once.Do(func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }) }
	defer stop()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return res, err
	}
	// A database with leads its indexer has not reached (an interrupted
	// import, a crash) has the server index them first: the measurements
	// wait for it, or they would measure the catching up.
	if err := waitIndexed(ctx, dbURL); err != nil {
		return res, err
	}
	// Match lookups first, on the preloaded data (after a warm-up), then
	// the ingestion load.
	if _, err := matchLatency(base, token, 2000, 1); err != nil {
		return res, err
	}
	var matchLat [2]time.Duration
	err = profiled("match-"+string(engineOf(dbURL)), 5*time.Second, func() (err error) {
		matchLat, err = matchLatency(base, token, 5000, 2)
		return err
	})
	if err != nil {
		return res, err
	}
	// The ceiling: the same leads through POST /api/v1/routing/explain,
	// which runs everything capture does before it writes (auth, decoding,
	// validation, attribution, account matching, the duplicate check,
	// routing) and writes nothing. No write path, however light, makes
	// ingestion faster than this.
	var ceil, rate float64
	var lat [2]time.Duration
	err = profiled("explain-"+string(engineOf(dbURL)), duration, func() (err error) {
		ceil, _, err = drive(base, token, clients, duration, "/api/v1/routing/explain", true)
		return err
	})
	if err != nil {
		return res, err
	}
	err = profiled("store-"+string(engineOf(dbURL)), duration, func() (err error) {
		rate, lat, err = drive(base, token, clients, duration, "/api/v1/leads", false)
		return err
	})
	if err != nil {
		return res, err
	}
	rss := peakRSS(srv.Process.Pid)
	bar := 3.0
	if db.Engine() == store.Postgres {
		bar = 2
	}
	fmt.Printf("ceiling: POST /api/v1/routing/explain (capture's reads and routing, nothing written) with %d clients: %.0f/s = %.2fx the reference\n", clients, ceil, ceil/bare)
	fmt.Printf("leadrouter: POST /api/v1/leads with %d clients: %.0f leads/s (p50 %s, p99 %s) = %.2f of the ceiling\n", clients, rate, lat[0], lat[1], rate/ceil)
	fmt.Printf("ratio: %.2fx the reference (bar: %gx)\n", rate/bare, bar)
	fmt.Printf("GET /api/v1/matches p50 %s, p99: %s (bar: 2ms)\n", matchLat[0], matchLat[1])
	fmt.Printf("server peak RSS: %d MB (bar: 250 MB)\n", rss/1024)
	// What the stored leads added on disk: the server stops (SQLite
	// checkpoints its WAL on close), then the database's size is compared
	// with its size before the load.
	stop()
	sizeAfter, leadsAfter, err := footprint(ctx, dbURL)
	if err != nil {
		return res, err
	}
	res = result{engine: engineOf(dbURL), explained: ceil, stored: rate}
	if n := leadsAfter - leadsBefore; n > 0 {
		res.bytesPerLead = float64(sizeAfter-sizeBefore) / float64(n)
		fmt.Printf("on disk: %d leads stored took %d bytes: %.0f bytes a lead (bar: ≤ 1,500 on SQLite)\n", n, sizeAfter-sizeBefore, res.bytesPerLead)
	}
	if importRows > 0 {
		if res.imported, err = importCSV(bin, dbURL, tmp, importRows); err != nil {
			return res, err
		}
		fmt.Printf("import: %d new leads from a CSV file: %.0f rows/s = %.2f of the API's stored rate (bar: ≥ 0.5)\n", importRows, res.imported, res.imported/rate)
	}
	return res, nil
}

// importCSV writes n new leads (some e-mails twice, as CRM exports have
// them) to a CSV file and times `leadrouter import leads` on it.
func importCSV(bin, dbURL, tmp string, n int) (float64, error) {
	path := filepath.Join(tmp, "import.csv")
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(3, 4))
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "First Name,Last Name,Email,Company,Country,Job Title,Lead Source")
	run := time.Now().UnixNano()
	for i := range n {
		person := i
		if i%50 == 49 {
			person = i - 1 // a duplicate row: a response on the lead before
		}
		fmt.Fprintf(w, "Imp,Row%d,imp%d-%d@company%d.example,%s,%s,Buyer,trade_show\n", person, run, person, r.IntN(5000), company(r, r.IntN(5000)), countries[r.IntN(len(countries))])
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, "import", "leads", path, "--db", dbURL, "--report", os.DevNull)
	cmd.Env = append(os.Environ(), "LEADROUTER_AUDIT_KEY_FILE="+filepath.Join(tmp, "bench.audit-key"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if engineOf(dbURL) == store.Postgres {
		stop, err := analyzeWhile(dbURL, 30*time.Second)
		if err != nil {
			return 0, err
		}
		defer stop()
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// waitIndexed waits until the company-word indexer has reached every
// stored lead, for up to half an hour (on PostgreSQL a transaction left
// open anywhere on the server holds the indexer back).
func waitIndexed(ctx context.Context, dbURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, dbURL, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		return err
	}
	defer db.Close()
	indexer := &intake.Indexer{DB: db}
	for said := false; ; time.Sleep(time.Second) {
		left, err := indexer.Lag(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the company-word index: %w", err)
		}
		if left == 0 {
			return nil
		}
		if !said {
			fmt.Printf("waiting for the server to index the company names of %d leads\n", left)
			said = true
		}
	}
}

// analyzeWhile runs ANALYZE every interval until stop is called: what
// autovacuum's autoanalyze does on a live server as tables grow (this
// machine's cluster runs with autovacuum off). Without it, the import's
// connection keeps the plans it made while idempotency_keys was empty: a
// sequential scan for every row's key, which at 1M leads slowed the import
// from ~1,600 to ~220 rows/s.
func analyzeWhile(dbURL string, interval time.Duration) (stop func(), err error) {
	pg, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, err := pg.Exec("ANALYZE"); err != nil {
					fmt.Fprintln(os.Stderr, "ingest: analyze:", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished; pg.Close() }, nil
}

func engineOf(dbURL string) store.Engine {
	if strings.HasPrefix(dbURL, "postgres") {
		return store.Postgres
	}
	return store.SQLite
}

// footprint is the database's size in bytes and its number of leads. On
// SQLite the size is the file and its WAL after a checkpoint; on
// PostgreSQL, every table of the schema with its indexes and TOAST.
func footprint(ctx context.Context, dbURL string) (size int64, leads int64, err error) {
	db, err := store.Open(ctx, dbURL, store.Options{MatchKeys: match.Keys{}})
	if err != nil {
		return 0, 0, err
	}
	err = db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM leads`).Scan(&leads) })
	if err != nil {
		db.Close()
		return 0, 0, err
	}
	if db.Engine() == store.Postgres {
		err = db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
				WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace`).Scan(&size)
		})
		db.Close()
		return size, leads, err
	}
	db.Close()
	_, path, _ := store.ParseURL(dbURL)
	path, _, _ = strings.Cut(path, "?")
	plain, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return 0, 0, err
	}
	defer plain.Close()
	if _, err := plain.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, 0, err
	}
	for _, f := range []string{path, path + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			size += st.Size()
		}
	}
	return size, leads, nil
}

var countries = []string{"US", "US", "US", "US", "DE", "DE", "GB", "FR", "BE", "NL", "CA", "BR", "AT", "CH", "AU"}
var words = []string{"Acme", "Global", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure", "Blue", "Yonder", "Alpine",
	"Coho", "Datum", "Fourth", "Coffee", "Humongous", "Lucerne", "Margie", "Proseware", "Southridge", "Trey", "Wide", "World", "Woodgrove",
	"Graphic", "Design", "Institute", "Systems", "Logistics", "Foods", "Bank", "Partners", "Labs", "Works", "Energy", "Retail"}
var suffixes = []string{"Inc", "LLC", "GmbH", "Ltd", "SA", "BV", "", "", "Corp", "AG"}

func company(r *rand.Rand, i int) string {
	return words[r.IntN(len(words))] + " " + words[r.IntN(len(words))] + " " + strconv.Itoa(i) + " " + suffixes[r.IntN(len(suffixes))]
}

// preload writes accounts and leads in large transactions straight through
// SQL (the same columns and indexes capture writes), plus an admin token.
func preload(ctx context.Context, db *store.DB, nLeads, nAccounts int) (string, error) {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	const batch = 5000
	for lo := 0; lo < nAccounts; lo += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, nAccounts); i++ {
				name := company(r, i)
				id := fmt.Sprintf("acc_bench%07d", i)
				if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name, name_key, country, root_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					id, name, match.NormaliseCompany(name), countries[r.IntN(len(countries))], id, now, now); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO account_domains (domain, account_id) VALUES (?, ?)`, fmt.Sprintf("company%d.example", i), id); err != nil {
					return err
				}
				for _, tok := range match.CompanyTokens(name) {
					if _, err := tx.Exec(ctx, `INSERT INTO company_tokens (token, kind, ref_id) VALUES (?, 'account', ?) ON CONFLICT DO NOTHING`, tok, id); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("preload accounts: %w", err)
		}
	}
	for lo := 0; lo < nLeads; lo += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < min(lo+batch, nLeads); i++ {
				l := leadrouter.Lead{ID: fmt.Sprintf("lead_bench%08d", i), Status: leadrouter.StatusNurturing, FirstName: "Pre", LastName: "Loaded" + strconv.Itoa(i),
					Email: fmt.Sprintf("person%d@company%d.example", i, r.IntN(max(nAccounts, 1))), Company: company(r, r.IntN(max(nAccounts, 1))),
					Country: countries[r.IntN(len(countries))], Source: leadrouter.SourceImport, Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"},
					NurtureTrack: "general", Responses: 1, CreatedAt: now}
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("preload leads: %w", err)
		}
	}
	// The company words of the preloaded leads, as the server's background
	// indexer would have written them long ago: the loads below must not
	// share the machine with a 1M-lead backlog.
	for {
		var n int
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.IndexLeadCompanies(ctx, 5000)
			return err
		}); err != nil {
			return "", fmt.Errorf("index preloaded leads: %w", err)
		}
		if n == 0 {
			break
		}
	}
	var token string
	err := db.Update(ctx, func(tx *store.Tx) error {
		var err error
		_, token, err = admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: "bench@vendor.example", Name: "Bench", Role: leadrouter.RoleAdmin})
		if err != nil {
			return err
		}
		for i := 0; i < 2; i++ {
			if _, _, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: fmt.Sprintf("sales%d@vendor.example", i), Name: "Sales", Role: leadrouter.RoleSales}); err != nil {
				return err
			}
		}
		for i, c := range []string{"DE", "DE", "GB", "FR", "BE", "NL", "CA"} {
			if _, err := admin.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: fmt.Sprintf("Partner %d", i), Countries: []string{c}}); err != nil {
				return err
			}
		}
		return nil
	})
	return token, err
}

// bareLoop inserts one row per commit from one goroutine on its own plain
// connection to path: the modernc driver as it comes, WAL, synchronous=FULL,
// SQLite's own checkpointing (none of leadrouter's store tuning).
func bareLoop(ctx context.Context, path string, d time.Duration) (float64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(15000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_bare (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	n := 0
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_bare (payload) VALUES (?)`, "a lead-sized payload of about one hundred bytes .........................................."); err != nil {
			tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / d.Seconds(), nil
}

// pgbenchInserts runs pgbench with a one-INSERT script and returns its tps.
func pgbenchInserts(dbURL string, clients int, d time.Duration) (float64, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS bench_bare (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	script, err := os.CreateTemp("", "pgbench-*.sql")
	if err != nil {
		return 0, err
	}
	defer os.Remove(script.Name())
	fmt.Fprintln(script, "INSERT INTO bench_bare (payload) VALUES ('a lead-sized payload of about one hundred bytes ..........................................');")
	script.Close()
	out, err := exec.Command("pgbench", "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(int(d.Seconds())), "-f", script.Name(), dbURL).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "tps = ") {
			var tps float64
			if _, err := fmt.Sscanf(line, "tps = %f", &tps); err == nil {
				return tps, nil
			}
		}
	}
	return 0, fmt.Errorf("pgbench printed no tps: %s", out)
}

func waitReady(base string) error {
	for i := 0; i < 300; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server did not start")
}

// drive posts new leads to path with clients concurrent clients for d
// (wrapped as {"lead": …} for the explain endpoint) and returns the rate
// and p50/p99 latency.
func drive(base, token string, clients int, d time.Duration, path string, wrap bool) (float64, [2]time.Duration, error) {
	// Every run's people are new (also on a reused database): the load is
	// new leads, as the bar says, not responses of people stored before.
	run := time.Now().UnixNano() % 1e9
	var n atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			// Seeded by the run too: with the same seeds every run sent its
			// leads to the same ~10,000 domains and companies, where
			// partners' open leads then piled up on a reused database, and
			// each later run met more claims and conflicts than the last.
			r := rand.New(rand.NewPCG(uint64(c), uint64(run)))
			var local []time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				var lead any = map[string]any{"first_name": "New", "last_name": fmt.Sprintf("Lead%d-%d", c, i),
					"email": fmt.Sprintf("new%d-%d-%d-%d@company%d.example", run, c, i, r.IntN(1000000), r.IntN(100000)), "company": company(r, r.IntN(100000)),
					"country": countries[r.IntN(len(countries))], "source": "call", "title": "Director"}
				if wrap {
					lead = map[string]any{"lead": lead}
				}
				body, _ := json.Marshal(lead)
				req, _ := http.NewRequest("POST", base+path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 && resp.StatusCode != 200 {
					firstErr.CompareAndSwap(nil, fmt.Errorf("POST %s: %s", path, resp.Status))
					return
				}
				local = append(local, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, [2]time.Duration{}, err
	}
	return float64(n.Load()) / d.Seconds(), percentiles(lats), nil
}

// matchLatency runs n sequential lookups of random people and companies
// (seed picks them: the warm-up and the measurement ask different ones)
// and returns the p50 and the p99.
func matchLatency(base, token string, n int, seed uint64) ([2]time.Duration, error) {
	r := rand.New(rand.NewPCG(3, seed))
	var lats []time.Duration
	for i := 0; i < n; i++ {
		q := fmt.Sprintf("/api/v1/matches?email=person%d@company%d.example&company=%s", r.IntN(1000000), r.IntN(100000),
			strings.ReplaceAll(company(r, r.IntN(100000)), " ", "+"))
		req, _ := http.NewRequest("GET", base+q, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return [2]time.Duration{}, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return [2]time.Duration{}, fmt.Errorf("GET /api/v1/matches: %s", resp.Status)
		}
		lats = append(lats, time.Since(t0))
	}
	return percentiles(lats), nil
}

func percentiles(l []time.Duration) [2]time.Duration {
	if len(l) == 0 {
		return [2]time.Duration{}
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return [2]time.Duration{l[len(l)/2].Round(10 * time.Microsecond), l[len(l)*99/100].Round(10 * time.Microsecond)}
}

// peakRSS reads VmHWM (peak resident set, kB) of pid.
func peakRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}
