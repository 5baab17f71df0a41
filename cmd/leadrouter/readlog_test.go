package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestReadLogEndToEnd: through Main, a staff read over the API reaches the
// read log by the background flusher, and `leadrouter export` records one
// export entry per lead whose contact it wrote (none for a partner's
// redacted export).
func TestReadLogEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		dbURL := storetest.MustURL(t, engine)
		m := MustRunMain(t, dbURL)
		admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
		support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
		_, found, _ := admin.do("GET", "/api/v1/leads?email="+url.QueryEscape("pieter@brugge-logistics.example"), nil)
		list, _ := found["items"].([]any)
		if len(list) != 1 {
			t.Fatalf("find the lead: %v", found)
		}
		leadID := list[0].(map[string]any)["id"].(string)
		reads := func() []map[string]any {
			t.Helper()
			code, page, _ := admin.do("GET", "/api/v1/leads/"+leadID+"/reads", nil)
			if code != 200 {
				t.Fatalf("reads: %d %v", code, page)
			}
			var out []map[string]any
			for _, it := range page["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		// The admin's search and support's read reach the log through
		// the background flusher (no request waits for it).
		if code, _, _ := support.do("GET", "/api/v1/leads/"+leadID, nil); code != 200 {
			t.Fatalf("support reads the lead: %d", code)
		}
		var got []map[string]any
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if got = reads(); len(got) >= 2 {
				break
			}
		}
		if len(got) != 2 || got[0]["role"] != "support" || got[1]["role"] != "admin" || got[0]["channel"] != "api" || got[1]["channel"] != "api" {
			t.Fatalf("read log after the flusher: %v", got)
		}

		// A partner's export of its redacted lead leaves nothing.
		var out, errOut bytes.Buffer
		ctx := context.Background()
		if err := run(ctx, []string{"export", "leads", "--partner", string(demo.PIDBrussels), "--db", dbURL}, nil, &out, &errOut); err != nil ||
			!strings.Contains(out.String(), leadID) || strings.Contains(out.String(), "pieter@") {
			t.Fatalf("Brussels' export: %v %s", err, out.String())
		}
		if after := reads(); len(after) != 2 {
			t.Fatalf("a redacted export was logged: %v", after)
		}
		out.Reset()
		if err := run(ctx, []string{"export", "leads", "--db", dbURL}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "pieter@brugge-logistics.example") {
			t.Fatalf("export: %v %s", err, errOut.String())
		}
		got = reads()
		if len(got) != 3 || got[0]["channel"] != "export" || got[0]["kind"] != "lead" || got[0]["record_id"] != leadID || got[0]["user_id"] != "export" {
			t.Fatalf("read log after the export: %v", got)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccessLogNamesPortalActor: a portal page's access-log line names the
// signed-in user (the session, like an API token, fills the actor the
// logger reads after the handler).
func TestAccessLogNamesPortalActor(t *testing.T) {
	logs := &syncBuffer{}
	m := MustRunMainWith(t, storetest.MustURL(t, store.SQLite), func(m *Main) {
		m.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(m.URL() + "/portal/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(body))
	if csrf == nil {
		t.Fatalf("no CSRF token on the sign-in page: %s", body)
	}
	resp, err = client.PostForm(m.URL()+"/portal/login", url.Values{"csrf": {csrf[1]}, "email": {"support@vendor.example"}, "password": {demo.Password}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	if resp, err = client.Get(m.URL() + "/portal/leads"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("leads page: %v %v", err, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var supportID string
	if err := m.DB.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE email = ?`, "support@vendor.example").Scan(&supportID)
	}); err != nil {
		t.Fatal(err)
	}
	// The line is written as the handler returns, which may be just after
	// the client has the whole answer.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) != nil || entry["msg"] != "request" || entry["path"] != "/portal/leads" {
				continue
			}
			if entry["actor"] != supportID || entry["role"] != "support" {
				t.Fatalf("access log line %v, want actor %s (support)", entry, supportID)
			}
			return
		}
	}
	t.Fatalf("no access-log line for /portal/leads in\n%s", logs.String())
}
