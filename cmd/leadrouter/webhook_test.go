package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// allowLoopback opens 127.0.0.0/8 to webhooks, as --webhook-allow-cidr
// 127.0.0.0/8 does, for the tests' local receivers.
func allowLoopback(c *Config) {
	c.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	c.WebhookEvery = 20 * time.Millisecond
}

// collector is a webhook receiver keeping every body it is sent.
type collector struct {
	server *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, body)
		c.mu.Unlock()
	}))
	t.Cleanup(c.server.Close)
	return c
}

// events returns the bodies received by event name.
func (c *collector) events() map[string][][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][][]byte{}
	for _, b := range c.bodies {
		var msg struct{ Event string }
		_ = json.Unmarshal(b, &msg)
		out[msg.Event] = append(out[msg.Event], b)
	}
	return out
}

// strings calls fn with every key and string value in v, at any depth.
func walkStrings(v any, fn func(string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			fn(k)
			walkStrings(child, fn)
		}
	case []any:
		for _, child := range t {
			walkStrings(child, fn)
		}
	case string:
		fn(t)
	}
}

// TestWebhooksOverHTTP: subscriptions are managed by admins (refused
// targets are a 422 on url, pause/resume, delete), and the payloads of
// every event type carry no contact details of the lead they are about,
// at any depth, though its whole life (capture, owner change,
// qualification, conversion, hand-off, a partner's registration naming
// its e-mail) wrote them into the events.
func TestWebhooksOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMainWith(t, storetest.MustURL(t, engine), func(m *Main) { allowLoopback(&m.Config) })
		admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
		sales := apiClient{t, m.URL(), token(t, m, "sales1@vendor.example")}
		anna := apiClient{t, m.URL(), token(t, m, "anna@berlin-systems.example")}
		relations := apiClient{t, m.URL(), token(t, m, "relations@vendor.example")}
		var munich string
		for _, c := range m.DemoCredentials {
			if c.Email == "max@munich-erp.example" {
				munich = c.PartnerID
			}
		}

		// Refused targets: a 422 naming url (127/8 is open here, 10/8 not).
		for _, u := range []string{"http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/", "http://0x0a000001/", "ftp://x.example/"} {
			code, out, _ := admin.do("POST", "/api/v1/webhooks", map[string]any{"url": u, "events": []string{"lead.created"}})
			if errs, _ := out["errors"].([]any); code != 422 || len(errs) != 1 || errs[0].(map[string]any)["field"] != "url" {
				t.Errorf("subscribe %s: %d %v", u, code, out)
			}
		}

		rc := newCollector(t)
		code, hook, _ := admin.do("POST", "/api/v1/webhooks", map[string]any{"url": rc.server.URL + "/hook"})
		if code != 201 {
			t.Fatalf("subscribe: %d %v", code, hook)
		}
		hookID := hook["id"].(string)

		// The lead's whole life: owned by a partner, converting it hands
		// the opportunity off.
		const first, last, email, phone = "Zebulon", "Farnsworth-Ypsilanti", "zeb.fy@quixotic-corp.example", "+49 30 98765432"
		secrets := []string{"zebulon", "farnsworth", "ypsilanti", "zeb.fy", "98765432"}
		code, out, _ := sales.do("POST", "/api/v1/leads", map[string]any{"first_name": first, "last_name": last, "email": email, "phone": phone,
			"company": "Quixotic Corp", "title": "Chief Zebulon Officer", "country": "DE", "source": "call",
			"landing_url": "https://vendor.example/pricing?who=" + email, "utm": map[string]string{"utm_content": email}})
		if code != 201 {
			t.Fatalf("capture: %d %v", code, out)
		}
		leadID := out["lead"].(map[string]any)["id"].(string)
		steps := []struct {
			client     apiClient
			path       string
			body       any
			wantStatus int
		}{
			{admin, "/api/v1/leads/" + leadID + "/owner", map[string]any{"owner_id": munich, "reason": "Zebulon asked for Munich"}, 200},
			{admin, "/api/v1/leads/" + leadID + "/qualify", map[string]any{"consent_share": true, "consent_text": "Zebulon agrees", "note": "Zebulon at " + phone}, 200},
			{admin, "/api/v1/leads/" + leadID + "/convert", map[string]any{"opportunity_name": "Zebulon Farnsworth-Ypsilanti deal"}, 201},
		}
		if owner, _ := out["lead"].(map[string]any)["owner"].(map[string]any); owner["partner_id"] == munich {
			steps = steps[1:] // round robin gave it to Munich already
		}
		for _, st := range steps {
			if code, out, _ := st.client.do("POST", st.path, st.body); code != st.wantStatus {
				t.Fatalf("POST %s: %d %v", st.path, code, out)
			}
		}
		code, reg, _ := anna.do("POST", "/api/v1/registrations", map[string]any{"company": "Quixotic Corp", "domain": "quixotic-corp.example",
			"country": "DE", "contact_email": email, "note": "Met Zebulon Farnsworth-Ypsilanti, " + phone})
		if code != 201 {
			t.Fatalf("registration: %d %v", code, reg)
		}
		if reg["status"] == "pending" {
			if code, out, _ := relations.do("POST", "/api/v1/registrations/"+reg["id"].(string)+"/approve", map[string]any{"reason": "Zebulon confirmed"}); code != 200 {
				t.Fatalf("approve: %d %v", code, out)
			}
		}
		want := []string{"lead.created", "lead.routed", "lead.qualified", "lead.converted", "opportunity.handed_off", "registration.decided"}
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := rc.events()
			missing := []string{}
			for _, e := range want {
				if len(got[e]) == 0 {
					missing = append(missing, e)
				}
			}
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %v delivered (got %d bodies)", missing, len(rc.bodies))
			}
			time.Sleep(20 * time.Millisecond)
		}
		for event, bodies := range rc.events() {
			for _, body := range bodies {
				var v any
				if err := json.Unmarshal(body, &v); err != nil {
					t.Fatal(err)
				}
				walkStrings(v, func(s string) {
					for _, secret := range secrets {
						if strings.Contains(strings.ToLower(s), secret) {
							t.Errorf("%s carries %q: %s", event, secret, body)
						}
					}
				})
			}
		}
		var created map[string]any
		_ = json.Unmarshal(rc.events()["lead.created"][0], &created)
		if data := created["data"].(map[string]any); created["subject"] != leadID || data["country"] != "DE" || data["source"] != "call" {
			t.Errorf("lead.created lost its facts: %v", created)
		}

		// Pause, resume, delete (admin only).
		if code, _, _ := sales.do("DELETE", "/api/v1/webhooks/"+hookID, nil); code != 403 {
			t.Errorf("sales deleted a webhook: %d", code)
		}
		if code, out, _ := admin.do("PATCH", "/api/v1/webhooks/"+hookID, map[string]any{}); code != 422 {
			t.Errorf("PATCH without active: %d %v", code, out)
		}
		if code, out, _ := admin.do("PATCH", "/api/v1/webhooks/"+hookID, map[string]any{"active": false}); code != 200 || out["active"] != false {
			t.Fatalf("pause: %d %v", code, out)
		}
		before := len(rc.events()["lead.created"])
		if code, out, _ := sales.do("POST", "/api/v1/leads", map[string]any{"last_name": "Paused", "email": "p@paused.example", "country": "DE", "source": "call"}); code != 201 {
			t.Fatalf("capture: %d %v", code, out)
		}
		time.Sleep(300 * time.Millisecond) // fifteen polls
		if n := len(rc.events()["lead.created"]); n != before {
			t.Fatalf("a paused webhook got %d more", n-before)
		}
		_, list, _ := admin.do("GET", "/api/v1/webhooks", nil)
		if pending := list["outbox"].(map[string]any)["pending"].(float64); pending < 1 {
			t.Fatalf("the paused queue is empty: %v", list)
		}
		if exact, ok := list["outbox"].(map[string]any)["pending_exact"].(bool); !ok || !exact {
			t.Fatalf("outbox: %v, want pending_exact true", list["outbox"])
		}
		if _, ok := list["outbox"].(map[string]any)["held_back"].(float64); !ok {
			t.Fatalf("no held_back count: %v", list)
		}
		if code, out, _ := admin.do("PATCH", "/api/v1/webhooks/"+hookID, map[string]any{"active": true}); code != 200 || out["active"] != true {
			t.Fatalf("resume: %d %v", code, out)
		}
		waitUntil(t, "the paused event delivered", func() bool { return len(rc.events()["lead.created"]) == before+1 })
		if code, _, _ := admin.do("DELETE", "/api/v1/webhooks/"+hookID, nil); code != 204 {
			t.Fatalf("delete: %d", code)
		}
		if code, _, _ := admin.do("DELETE", "/api/v1/webhooks/"+hookID, nil); code != 404 {
			t.Fatalf("delete again: %d", code)
		}
		if code, _, _ := admin.do("PATCH", "/api/v1/webhooks/"+hookID, map[string]any{"active": true}); code != 404 {
			t.Fatalf("resume a deleted webhook: %d", code)
		}
		_, list, _ = admin.do("GET", "/api/v1/webhooks", nil)
		if items := list["items"].([]any); len(items) != 0 {
			t.Fatalf("listed after delete: %v", items)
		}
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// helperServeEnv makes the test binary a server process: see
// TestHelperServe.
const helperServeEnv = "LEADROUTER_TEST_HELPER_SERVE"

// TestHelperServe is not a test: started by TestDeliveryResumesAfterKill
// as a child process with helperServeEnv set, it runs "serve" with the
// arguments in it (a JSON array) until killed.
func TestHelperServe(t *testing.T) {
	args := os.Getenv(helperServeEnv)
	if args == "" {
		t.Skip("runs only as a child process of TestDeliveryResumesAfterKill")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), argv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// TestDeliveryResumesAfterKill: a server process killed with SIGKILL in
// the middle of a delivery leaves its lease behind; a restarted process
// sends the event again (same sequence) within seconds, not minutes.
func TestDeliveryResumesAfterKill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		dbURL := storetest.MustURL(t, engine)
		db := storetest.MustOpenURL(t, dbURL)

		type request struct {
			sequence string
			at       time.Time
		}
		var mu sync.Mutex
		var requests []request
		arrived := make(chan struct{}, 16)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Read in full, so the server notices the sender's connection
			// close (and ends r's context).
			_, _ = io.ReadAll(r.Body)
			mu.Lock()
			requests = append(requests, request{r.Header.Get("X-Leadrouter-Sequence"), time.Now()})
			first := len(requests) == 1
			mu.Unlock()
			arrived <- struct{}{}
			if first {
				<-r.Context().Done() // the sender dies meanwhile
			}
		}))
		t.Cleanup(receiver.Close)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := adminuc.CreateWebhook(ctx, tx, egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, receiver.URL, []string{"lead.created"}); err != nil {
				return err
			}
			for i := range 2 {
				if _, err := tx.AppendEvent(ctx, fmt.Sprintf("lead_%d", i), leadrouter.EventCreated, leadrouter.System, map[string]int{"i": i}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		start := func() *exec.Cmd {
			args := []string{"serve", "--db", dbURL, "--addr", "127.0.0.1:0", "--webhook-allow-cidr", "127.0.0.0/8",
				"--webhook-poll", "100ms", "--sqlite-synchronous", "NORMAL", "--log-level", "warn"}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
			encoded, _ := json.Marshal(args)
			cmd.Env = append(os.Environ(), helperServeEnv+"="+string(encoded))
			cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			return cmd
		}
		waitArrival := func(what string) {
			select {
			case <-arrived:
			case <-time.After(60 * time.Second):
				t.Fatalf("timed out waiting for %s", what)
			}
		}

		first := start()
		waitArrival("the first delivery")
		if err := first.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = first.Wait()
		restarted := time.Now()
		start()
		waitArrival("the delivery after the restart")
		waitArrival("the next event")
		mu.Lock()
		defer mu.Unlock()
		if len(requests) != 3 || requests[0].sequence != "1" || requests[1].sequence != "1" || requests[2].sequence != "2" {
			t.Fatalf("requests %+v, want sequence 1, 1 again, 2", requests)
		}
		if waited := requests[1].at.Sub(restarted); waited > 10*time.Second {
			t.Fatalf("the restarted process resent the event after %v, want within 10s", waited)
		}
		t.Logf("resent %v after the restart", requests[1].at.Sub(restarted).Round(time.Millisecond))
	})
}
