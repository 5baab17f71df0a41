package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestCSVExportMatchesJSON: with Accept: text/csv a list answers every
// record its JSON pages show the caller, field by field and redacted
// alike (a partner sees the reserved lead's company, not the person);
// another partner's lead is in neither; a cell that would be a formula is
// defused; unknown parameters are still refused.
func TestCSVExportMatchesJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newReadsWorld(t, engine)
		f := w.f
		var mine []string
		for i := 0; i < 7; i++ { // more than one JSON page of 5
			l := f.MustLead(t, lifecycletest.OwnedBy(f.P1), lifecycletest.Consented)
			mine = append(mine, l.ID)
		}
		reserved := f.MustLead(t, lifecycletest.ReservedFor(f.P1), func(l *leadrouter.Lead) { l.Company = "=HYPERLINK(\"http://evil.example\")" })
		mine = append(mine, reserved.ID)
		other := f.MustLead(t, lifecycletest.OwnedBy(f.P2))

		// Every JSON page, flattened as the export does.
		var items []map[string]any
		cursor := ""
		for {
			status, page := w.get("p1a", "/api/v1/leads?limit=5&cursor="+cursor)
			if status != http.StatusOK {
				t.Fatalf("JSON page: %d %v", status, page)
			}
			for _, it := range page["items"].([]any) {
				items = append(items, it.(map[string]any))
			}
			if cursor, _ = page["next_cursor"].(string); cursor == "" {
				break
			}
		}

		req, _ := http.NewRequest("GET", w.url+"/api/v1/leads", nil)
		req.Header.Set("Authorization", "Bearer "+f.Tokens["p1a"])
		req.Header.Set("Accept", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v\n%s", err, body)
		}
		header, rows := rows[0], rows[1:]
		if len(rows) != len(items) || len(rows) != len(mine) {
			t.Fatalf("CSV has %d rows, JSON %d items, the partner %d leads", len(rows), len(items), len(mine))
		}
		col := map[string]int{}
		for i, h := range header {
			col[h] = i
		}
		for _, want := range []string{"id", "first_name", "email", "company", "owner.kind", "owner.partner_id", "consent.share", "redacted"} {
			if _, ok := col[want]; !ok {
				t.Fatalf("no column %q in %v", want, header)
			}
		}
		for i, it := range items {
			row := rows[i]
			for _, k := range []string{"id", "first_name", "last_name", "email", "phone", "company", "status", "redacted"} {
				want := ""
				switch v := it[k].(type) {
				case string:
					want = v
				case bool:
					want = fmt.Sprint(v)
				}
				if strings.HasPrefix(want, "=") {
					want = "'" + want
				}
				if row[col[k]] != want {
					t.Errorf("row %d %s: CSV %q, JSON %q", i, k, row[col[k]], want)
				}
			}
			owner := it["owner"].(map[string]any)
			if row[col["owner.kind"]] != owner["kind"] {
				t.Errorf("row %d owner.kind: CSV %q, JSON %v", i, row[col["owner.kind"]], owner["kind"])
			}
			if row[col["id"]] == reserved.ID && (row[col["email"]] != "" || row[col["redacted"]] != "true") {
				t.Errorf("the reserved lead's row shows its person: %v", row)
			}
			if row[col["id"]] == other.ID {
				t.Error("another partner's lead is in the export")
			}
		}
		raw, _ := json.Marshal(items)
		if strings.Contains(string(body), other.Email) || strings.Contains(string(raw), other.Email) {
			t.Error("another partner's e-mail is in the export")
		}

		req, _ = http.NewRequest("GET", w.url+"/api/v1/leads?name=x", nil)
		req.Header.Set("Authorization", "Bearer "+f.Tokens["p1a"])
		req.Header.Set("Accept", "text/csv")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("unknown parameter with CSV: %v %v", resp.StatusCode, err)
		}
	})
}
