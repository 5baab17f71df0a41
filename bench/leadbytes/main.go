// Command leadbytes measures what one lead costs to store on SQLite: it
// captures -leads new leads through the real capture path and group-commit
// writer (the default policy, 20 partners in territories of two or three,
// partners credited by PID on a third, consent on most, UTM parameters
// and a landing page on all) from 64 goroutines, checkpoints the WAL, and
// divides the file by the number of leads. It also prints where the bytes
// go: each table and index, and event data per type.
//
//	go run ./bench/leadbytes [-leads 20000]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
)

func main() {
	nLeads := flag.Int("leads", 20_000, "leads to capture")
	clients := flag.Int("clients", 64, "concurrent captures")
	flag.Parse()
	if err := run(*nLeads, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "leadbytes:", err)
		os.Exit(1)
	}
}

func run(nLeads, clients int) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "lr-leadbytes-")
	if err != nil {
		return err
	}
	defer func() {
		if os.Getenv("KEEP") == "" {
			os.RemoveAll(tmp)
		} else {
			fmt.Println("kept", tmp)
		}
	}()
	path := filepath.Join(tmp, "bytes.db")
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{MatchKeys: match.Keys{}, AuditKey: []byte("leadbytes audit key, 32 bytes or more")})
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	admin := leadrouter.Actor{UserID: "usr_bench", Role: leadrouter.RoleAdmin}
	var pids []string
	for i := range 20 {
		if err := db.Update(ctx, func(tx *store.Tx) error {
			// Territories of two or three partners each.
			territory := []string{"DE", "AT", "CH", "FR", "NL", "GB", "IT", "ES"}[i%8]
			p, err := adminuc.CreatePartner(ctx, tx, admin, leadrouter.NewPartner{Name: fmt.Sprintf("Partner %02d GmbH", i), Countries: []string{territory}, Tier: "gold"})
			pids = append(pids, string(p.PID))
			return err
		}); err != nil {
			return err
		}
	}
	router, err := live.New(ctx, db, nil, "bench")
	if err != nil {
		return err
	}
	writer := intake.NewWriter(db, 256)
	svc := &intake.Service{DB: db, Writer: writer, Router: router,
		Assignments: &assignment.Service{DB: db, Policy: router, Reroute: router.Reroute}}
	api := leadrouter.Actor{UserID: "usr_api", Name: "CRM integration", Role: leadrouter.RoleAdmin}
	consent := "I agree that my details may be shared with a partner of the vendor who will contact me about my request."
	countries := []string{"DE", "DE", "AT", "CH", "US", "FR", "GB"}
	var next, failed atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > nLeads {
					return
				}
				sub := intake.Submission{FirstName: "Firstname", LastName: fmt.Sprintf("Person%d", i),
					Email: fmt.Sprintf("person%d@firm%d.example", i, i%5000), Phone: "+49 30 1234567", Company: fmt.Sprintf("Firm %d Industries GmbH", i%5000),
					Title: "Head of IT", Country: countries[i%len(countries)], Source: leadrouter.SourceAPI, Campaign: "spring-2026",
					LandingURL: "https://www.vendor.example/products/router?utm_source=newsletter",
					UTM:        map[string]string{"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring-2026"}}
				if i%3 == 0 {
					sub.PID = pids[i%len(pids)]
				}
				if i%5 != 0 {
					yes := true
					sub.ConsentShare, sub.ConsentText, sub.IP = &yes, consent, "192.0.2.7"
				}
				if _, err := svc.Capture(ctx, api, sub, nil); err != nil {
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	writer.Close()
	if firstErr != nil {
		return fmt.Errorf("%d captures failed, the first: %w", failed.Load(), firstErr)
	}
	if err := db.Close(); err != nil {
		return err
	}

	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer raw.Close()
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	var leads int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM leads`).Scan(&leads); err != nil {
		return err
	}
	size := fileSize(path) + fileSize(path+"-wal")
	fmt.Printf("%d leads captured in %s (%.0f/s); file + WAL after checkpoint: %d bytes, %.0f bytes per lead\n",
		leads, elapsed.Round(time.Millisecond), float64(nLeads)/elapsed.Seconds(), size, float64(size)/float64(leads))

	// Where the bytes are: each table and index (dbstat), and the
	// timeline's event data by type.
	if rows, err := raw.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC LIMIT 12`); err == nil {
		fmt.Println("pages by table or index (bytes per lead):")
		for rows.Next() {
			var name string
			var bytes int64
			if err := rows.Scan(&name, &bytes); err == nil {
				fmt.Printf("  %-32s %7.0f\n", name, float64(bytes)/float64(leads))
			}
		}
		rows.Close()
	}
	rows, err := raw.Query(`SELECT type, COUNT(*), SUM(length(data)), SUM(length(hash)) FROM events GROUP BY type`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type line struct {
		typ                string
		n, data, hashBytes int64
	}
	var lines []line
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.typ, &l.n, &l.data, &l.hashBytes); err != nil {
			return err
		}
		lines = append(lines, l)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].data > lines[j].data })
	fmt.Println("timeline events (count, data bytes per event, hash bytes per event):")
	for _, l := range lines {
		fmt.Printf("  %-24s %7d %6.0f %4.0f\n", l.typ, l.n, float64(l.data)/float64(l.n), float64(l.hashBytes)/float64(l.n))
	}
	return rows.Err()
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
