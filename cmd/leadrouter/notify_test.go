package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/notify/smtptest"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestNotificationsSurviveKill: a lead is routed to a partner, its
// notifications commit with it, and the server is killed with SIGKILL
// before it sends them; the restarted server sends each exactly once,
// each with its own stable Message-ID.
func TestNotificationsSurviveKill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		dbURL := storetest.MustURL(t, engine)
		db := storetest.MustOpenURL(t, dbURL)
		srv := smtptest.Start(t)
		var token string
		var partnerUsers []string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			if _, token, err = adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: "staff@vendor.example", Name: "Staff", Role: leadrouter.RoleSupport}); err != nil {
				return err
			}
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Dresden Digital", Countries: []string{"DE"}})
			if err != nil {
				return err
			}
			for _, email := range []string{"ute@dresden.example", "olaf@dresden.example"} {
				if _, _, err := adminuc.CreateUser(ctx, tx, leadrouter.NewUser{Email: email, Name: email, Role: leadrouter.RolePartner, PartnerID: p.ID}); err != nil {
					return err
				}
				partnerUsers = append(partnerUsers, email)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		start := func(poll string) (*exec.Cmd, string) {
			addr := freeAddr(t)
			args := []string{"serve", "--db", dbURL, "--addr", addr, "--smtp-url", "smtp://" + srv.Addr, "--mail-from", "leadrouter <noreply@vendor.example>",
				"--notify-poll", poll, "--sqlite-synchronous", "NORMAL", "--log-level", "warn"}
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
		first, base := start("1h") // sends once at start (nothing yet), then not for an hour
		c := apiClient{t, base, token}
		code, out, _ := c.do("POST", "/api/v1/leads", map[string]any{"last_name": "Kill", "email": "kill@killed.example", "company": "Killed GmbH", "country": "DE"})
		if code != 201 {
			t.Fatalf("lead: %d %v", code, out)
		}
		if err := first.Process.Kill(); err != nil { // SIGKILL: committed, not sent
			t.Fatal(err)
		}
		_ = first.Wait()
		if got := srv.Received(); len(got) != 0 {
			t.Fatalf("sent before the kill: %d", len(got))
		}
		start("50ms")
		srv.WaitFor(t, len(partnerUsers))
		time.Sleep(500 * time.Millisecond) // room for a duplicate to show
		got := srv.Received()
		if len(got) != len(partnerUsers) {
			t.Fatalf("%d messages after the restart, want one to each of %v", len(got), partnerUsers)
		}
		ids := map[string]bool{}
		for _, r := range got {
			id := r.Header().Get("Message-Id")
			if id == "" || ids[id] || !strings.Contains(r.Decoded(), "Killed GmbH") {
				t.Fatalf("message %s: %s", id, r.Decoded())
			}
			ids[id] = true
		}
	})
}

// freeAddr returns a loopback address nothing listens on (now).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHealthy waits until the server at base answers /healthz.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", base)
}
