package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
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
