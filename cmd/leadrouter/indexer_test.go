package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestCompanyIndexCatchesUpAfterKill: leads stored by a server whose
// indexer has not run yet are found by e-mail at once; the server is
// killed with SIGKILL, and the restarted one indexes them from the
// durable cursor, so they are found by the words of their company within
// seconds, each indexed once.
func TestCompanyIndexCatchesUpAfterKill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		dbURL := storetest.MustURL(t, engine)
		db := storetest.MustOpenURL(t, dbURL)
		var token string
		if err := db.Update(ctx, func(tx *store.Tx) (err error) {
			_, token, err = adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "staff@vendor.example", Name: "Staff", Role: leadrouter.RoleSupport})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		start := func(poll string) (*exec.Cmd, string) {
			addr := freeAddr(t)
			args := []string{"serve", "--db", dbURL, "--addr", addr, "--index-poll", poll, "--sqlite-synchronous", "NORMAL", "--log-level", "warn"}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
			encoded, _ := json.Marshal(args)
			cmd.Env = append(os.Environ(), helperServeEnv+"="+string(encoded))
			cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			waitHealthy(t, "http://"+addr)
			return cmd, "http://" + addr
		}
		first, base := start("1h") // indexes once at start (nothing yet), then not for an hour
		c := apiClient{t, base, token}
		const n = 20
		for i := range n {
			code, out, _ := c.do("POST", "/api/v1/leads", map[string]any{"last_name": "Kill", "email": fmt.Sprintf("k%d@quixotic-%d.example", i, i),
				"company": fmt.Sprintf("Quixotic Widgets %d GmbH", i), "country": "DE"})
			if code != 201 {
				t.Fatalf("lead %d: %d %v", i, code, out)
			}
		}
		found := func(query string) int {
			code, out, _ := c.do("GET", "/api/v1/leads?"+query+"&limit=100", nil)
			if code != 200 {
				t.Fatalf("GET leads?%s: %d %v", query, code, out)
			}
			items, _ := out["items"].([]any)
			return len(items)
		}
		if got := found("email=k3@quixotic-3.example"); got != 1 {
			t.Fatalf("by e-mail before indexing: %d leads, want 1", got)
		}
		if got := found("company=Quixotic"); got != 0 {
			t.Fatalf("by company word before indexing: %d leads, want 0 (the indexer has not run)", got)
		}
		if err := first.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = first.Wait()
		_, base = start("50ms")
		c = apiClient{t, base, token}
		deadline := time.Now().Add(10 * time.Second)
		for found("company=Quixotic") < n {
			if time.Now().After(deadline) {
				t.Fatalf("by company word after the restart: %d leads within 10s, want %d", found("company=Quixotic"), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var indexed int
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(DISTINCT ref_id) FROM company_tokens WHERE kind = 'lead'`).Scan(&indexed)
		}); err != nil || indexed != n {
			t.Fatalf("%d leads indexed, %v; want %d", indexed, err, n)
		}
	})
}
