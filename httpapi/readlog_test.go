package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

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

// readsWorld is an API server with the lead reads and a read log, over the
// lifecycle fixture, logging JSON into logs.
type readsWorld struct {
	t     *testing.T
	f     *lifecycletest.Fixture
	reads *store.ReadLog
	url   string
	logs  *syncBuffer
}

func newReadsWorld(t *testing.T, engine store.Engine) *readsWorld {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	w := &readsWorld{t: t, f: lifecycletest.MustFixture(t, db), logs: &syncBuffer{}}
	logger := slog.New(slog.NewJSONHandler(w.logs, nil))
	w.reads = store.NewReadLog(db, 0, logger)
	s := httpapi.New(httpapi.Config{DB: db, Logger: logger, ReadLog: w.reads})
	s.MountLeads(nil)
	srv := httptest.NewServer(s.Handler(1 << 20))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

func (w *readsWorld) get(who, path string) (int, map[string]any) {
	w.t.Helper()
	req, _ := http.NewRequest("GET", w.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+w.f.Tokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// logged returns the read log of a lead after the flusher has written it.
func (w *readsWorld) logged(leadID string) []store.ContactRead {
	w.t.Helper()
	ctx := context.Background()
	if err := w.reads.Flush(ctx); err != nil {
		w.t.Fatal(err)
	}
	var page store.Page[store.ContactRead]
	if err := w.f.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.ContactReadsOfLead(ctx, leadID, 500, "")
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return page.Items
}

// TestReadLogAPI: staff reads of a lead, a search and a timeline each leave
// a read-log entry naming the user, role, record and the api channel; a
// partner's redacted read leaves none; the log itself is for admins (other
// staff 403, partners 404).
func TestReadLogAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newReadsWorld(t, engine)
		f := w.f
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))
		other := f.MustLead(t)

		// A partner's redacted read records nothing.
		if status, got := w.get("p1a", "/api/v1/leads/"+lead.ID); status != http.StatusOK || got["redacted"] != true {
			t.Fatalf("p1a reads the reserved lead: %d %v", status, got)
		}
		if got := w.logged(lead.ID); len(got) != 0 {
			t.Fatalf("a redacted read was logged: %+v", got)
		}

		if status, _ := w.get("support", "/api/v1/leads/"+lead.ID); status != http.StatusOK {
			t.Fatalf("support reads the lead: %d", status)
		}
		if status, got := w.get("sales", "/api/v1/leads?email="+url.QueryEscape(lead.Email)); status != http.StatusOK || len(items(got)) != 1 {
			t.Fatalf("sales searches: %d %v", status, got)
		}
		if status, _ := w.get("admin", "/api/v1/leads/"+lead.ID+"/timeline"); status != http.StatusOK {
			t.Fatalf("admin reads the timeline: %d", status)
		}
		got := w.logged(lead.ID)
		want := []struct{ user, role, kind string }{
			{f.Users["admin"].ID, "admin", store.ReadKindTimeline},
			{f.Users["sales"].ID, "sales", store.ReadKindLead},
			{f.Users["support"].ID, "support", store.ReadKindLead},
		}
		if len(got) != len(want) {
			t.Fatalf("read log = %+v, want %d entries", got, len(want))
		}
		for i, e := range want {
			r := got[i]
			if r.UserID != e.user || r.Role != e.role || r.Kind != e.kind || r.RecordID != lead.ID || r.LeadID != lead.ID ||
				r.Channel != store.ChannelAPI || r.At.IsZero() {
				t.Errorf("entry %d = %+v, want %+v", i, r, e)
			}
		}
		if got := w.logged(other.ID); len(got) != 0 {
			t.Errorf("a lead nobody read has entries: %+v", got)
		}

		// The log on the record: admins only.
		status, page := w.get("admin", "/api/v1/leads/"+lead.ID+"/reads?limit=2")
		if status != http.StatusOK || len(items(page)) != 2 || str(items(page)[0], "channel") != "api" || str(items(page)[0], "user_id") != f.Users["admin"].ID {
			t.Fatalf("admin reads the log: %d %v", status, page)
		}
		status, rest := w.get("admin", "/api/v1/leads/"+lead.ID+"/reads?cursor="+str(page, "next_cursor"))
		if status != http.StatusOK || len(items(rest)) != 1 || str(items(rest)[0], "user_id") != f.Users["support"].ID {
			t.Fatalf("the log's second page: %d %v", status, rest)
		}
		for who, want := range map[string]int{"support": http.StatusForbidden, "pam1": http.StatusForbidden, "sales": http.StatusForbidden,
			"p1a": http.StatusNotFound, "p2a": http.StatusNotFound} {
			if status, _ := w.get(who, "/api/v1/leads/"+lead.ID+"/reads"); status != want {
				t.Errorf("%s reads the log: %d, want %d", who, status, want)
			}
		}
		if status, _ := w.get("admin", "/api/v1/leads/lead_nosuch/reads"); status != http.StatusNotFound {
			t.Errorf("the log of no lead: %d", status)
		}
	})
}

// TestAccessLogNamesTheActor: every access-log line names the
// authenticated user, role and partner (and an anonymous request none).
func TestAccessLogNamesTheActor(t *testing.T) {
	w := newReadsWorld(t, store.SQLite)
	send := func(who, requestID string) {
		t.Helper()
		req, _ := http.NewRequest("GET", w.url+"/api/v1/leads", nil)
		req.Header.Set("X-Request-ID", requestID)
		if who != "" {
			req.Header.Set("Authorization", "Bearer "+w.f.Tokens[who])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send("admin", "req-admin")
	send("p1a", "req-partner")
	send("", "req-anonymous")
	want := map[string]map[string]any{
		"req-admin":     {"actor": w.f.Users["admin"].ID, "role": "admin", "partner_id": "", "status": float64(200)},
		"req-partner":   {"actor": w.f.Users["p1a"].ID, "role": "partner", "partner_id": w.f.P1.ID, "status": float64(200)},
		"req-anonymous": {"actor": "", "role": "", "partner_id": "", "status": float64(401)},
	}
	// Each line is written as its handler returns, which may be just
	// after the client has the whole answer.
	lines := map[string]map[string]any{}
	for deadline := time.Now().Add(10 * time.Second); len(lines) < len(want) && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(strings.TrimSpace(w.logs.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if id, _ := m["request_id"].(string); m["msg"] == "request" && want[id] != nil {
				lines[id] = m
			}
		}
	}
	for id, fields := range want {
		if lines[id] == nil {
			t.Errorf("no access-log line for %s in\n%s", id, w.logs.String())
			continue
		}
		for k, v := range fields {
			if lines[id][k] != v {
				t.Errorf("%s: %s = %v, want %v (%v)", id, k, lines[id][k], v, lines[id])
			}
		}
	}
}
