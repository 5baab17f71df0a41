package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestSearchAPI: GET /api/v1/search finds a lead by a person's name, full
// name, e-mail, phone and domain; staff are told the owner and how to
// reach them (the partner's PAM); a partner finds its own lead and never
// another partner's, nor learns that the person is known; the query is
// checked, unknown parameters refused.
func TestSearchAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newReadsWorld(t, engine)
		f := w.f
		henrike := f.MustLead(t, lifecycletest.OwnedBy(f.P1), lifecycletest.Consented, func(l *leadrouter.Lead) {
			l.FirstName, l.LastName, l.Email, l.Company = "Henrike", "Quandt", "henrike@quandt-maschinen.example", "Quandt Maschinen GmbH"
			l.Phone, l.PhoneE164 = "+49 30 1234567", "+49301234567"
		})
		f.MustLead(t)                   // someone else
		storetest.MustIndexAll(t, f.DB) // names and phones are found once the indexer has read the lead
		search := func(who, q string) (int, []map[string]any) {
			t.Helper()
			status, body := w.get(who, "/api/v1/search?q="+url.QueryEscape(q))
			var items []map[string]any
			if raw, ok := body["items"].([]any); ok {
				for _, it := range raw {
					items = append(items, it.(map[string]any))
				}
			}
			return status, items
		}
		for _, q := range []string{"Quandt", "henrike quandt", "HENRIKE@quandt-maschinen.example", "+49 30 1234567", "quandt-maschinen.example", "Quandt Maschinen"} {
			status, items := search("support", q)
			if status != http.StatusOK || len(items) != 1 || items[0]["id"] != henrike.ID || items[0]["name"] != "Henrike Quandt" {
				t.Fatalf("support searching %q: %d %v", q, status, items)
			}
			owner, _ := items[0]["owner"].(map[string]any)
			pam, _ := owner["pam"].(map[string]any)
			if owner["name"] != f.P1.Name || pam["email"] != f.Users["pam1"].Email {
				t.Fatalf("owner of the result: %v", owner)
			}
		}
		if status, items := search("p1a", "Quandt"); status != http.StatusOK || len(items) != 1 || items[0]["owner"].(map[string]any)["pam"] != nil {
			t.Fatalf("the owning partner: %d %v (found, no PAM contact)", status, items)
		}
		if status, items := search("p2a", "Quandt"); status != http.StatusOK || len(items) != 0 {
			t.Fatalf("another partner found %v (%d)", items, status)
		}
		if status, items := search("p2a", "henrike@quandt-maschinen.example"); status != http.StatusOK || len(items) != 0 {
			t.Fatalf("another partner learns the e-mail is known: %v (%d)", items, status)
		}
		for _, path := range []string{"/api/v1/search", "/api/v1/search?q=x", "/api/v1/search?q=quandt&name=henrike"} {
			if status, body := w.get("support", path); status != http.StatusUnprocessableEntity {
				t.Errorf("GET %s: %d %v, want 422", path, status, body)
			}
		}
	})
}
