package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestDemoConflicts: the demo's three conflicts are open with the right
// claims; Relations gives the Acme lead to Austin; Berlin and Austin learn
// the outcome of their own claim, neither the other's name.
func TestDemoConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMain(t, storetest.MustURL(t, engine))
		relations := apiClient{t, m.URL(), token(t, m, "relations@vendor.example")}
		support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
		partnerOf := map[string]string{}
		var anna, amy apiClient
		for _, c := range m.DemoCredentials {
			switch c.Email {
			case "anna@berlin-systems.example":
				partnerOf["berlin"], anna = c.PartnerID, apiClient{t, m.URL(), c.Token}
			case "amy@austin-var.example":
				partnerOf["austin"], amy = c.PartnerID, apiClient{t, m.URL(), c.Token}
			case "max@munich-erp.example":
				partnerOf["munich"] = c.PartnerID
			}
		}
		leadOf := func(email string) string {
			_, out, _ := support.do("GET", "/api/v1/leads?email="+email, nil)
			return out["items"].([]any)[0].(map[string]any)["id"].(string)
		}
		code, out, _ := relations.do("GET", "/api/v1/conflicts?status=open", nil)
		if code != 200 {
			t.Fatalf("conflicts: %d %v", code, out)
		}
		byLead := map[string]map[string]any{}
		for _, it := range out["items"].([]any) {
			c := it.(map[string]any)
			byLead[c["lead_id"].(string)] = c
		}
		claims := func(c map[string]any) string {
			var s []string
			for _, cl := range c["claims"].([]any) {
				m := cl.(map[string]any)
				for name, id := range partnerOf {
					if m["partner_id"] == id {
						s = append(s, fmt.Sprintf("%s:%s:%v", name, m["kind"], m["prevailed"]))
					}
				}
			}
			return strings.Join(s, " ")
		}
		for email, want := range map[string]string{
			"wile@acme.example":         "berlin:pid:true austin:account_owner:false",
			"hans@lindwurm.example":     "berlin:pid:false munich:account_owner:true munich:registration:true",
			"petra@kaffee-haus.example": "berlin:open_record:false munich:routed:true",
		} {
			c := byLead[leadOf(email)]
			if c == nil || claims(c) != want {
				t.Errorf("%s: conflict %v, claims %q, want %q", email, c != nil, claims(c), want)
			}
		}
		// Explain shows the claims of such a lead before it exists.
		admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
		code, ex, _ := admin.do("POST", "/api/v1/routing/explain", map[string]any{"lead": map[string]any{"last_name": "Runner", "email": "road.runner@acme.example",
			"company": "Acme Corporation", "country": "US", "pid": "BERLIN01"}})
		if code != 200 || !strings.Contains(fmt.Sprint(ex["claims"]), "account_owner") || !strings.Contains(fmt.Sprint(ex["claims"]), "pid") {
			t.Fatalf("explain: %d %v", code, ex)
		}
		acme := byLead[leadOf("wile@acme.example")]
		code, out, _ = relations.do("POST", "/api/v1/conflicts/"+acme["id"].(string)+"/resolve", map[string]any{"owner_partner_id": partnerOf["austin"],
			"reason": "Austin owns the Acme account under contract."})
		if code != 200 || out["status"] != "resolved" || out["winner_partner_id"] != partnerOf["austin"] {
			t.Fatalf("resolve: %d %v", code, out)
		}
		_, lead, _ := support.do("GET", "/api/v1/leads/"+leadOf("wile@acme.example"), nil)
		if lead["owner"].(map[string]any)["partner_id"] != partnerOf["austin"] {
			t.Fatalf("after the resolution the lead is owned by %v", lead["owner"])
		}
		if code, _, _ := anna.do("GET", "/api/v1/conflicts", nil); code != 403 {
			t.Fatalf("a partner listed conflicts: %d", code)
		}
		inbox := func(c apiClient) string {
			_, out, _ := c.do("GET", "/api/v1/notifications", nil)
			return fmt.Sprint(out["items"])
		}
		berlin, austin := inbox(anna), inbox(amy)
		if !strings.Contains(berlin, "Conflict resolved: Acme Corporation") || !strings.Contains(austin, "Conflict resolved: Acme Corporation") {
			t.Fatalf("inboxes lack the resolution:\nBerlin %s\nAustin %s", berlin, austin)
		}
		if strings.Contains(berlin, "Austin") || strings.Contains(austin, "Berlin") {
			t.Fatalf("a partner's notification names the other:\nBerlin %s\nAustin %s", berlin, austin)
		}
		// Partners do not see conflict events on the lead's timeline.
		_, tl, _ := amy.do("GET", "/api/v1/leads/"+leadOf("wile@acme.example")+"/timeline", nil)
		if s := fmt.Sprint(tl["items"]); strings.Contains(s, "conflict_") {
			t.Fatalf("Austin's timeline shows the conflict: %s", s)
		}
	})
}

// TestUnknownQueryParameters: a list refuses a parameter it does not
// know (support's ?name= used to answer every lead), naming each one.
func TestUnknownQueryParameters(t *testing.T) {
	m := MustRunMain(t, storetest.MustURL(t, store.SQLite))
	support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
	code, out, _ := support.do("GET", "/api/v1/leads?name=Cynthia&last_name=Russell", nil)
	if code != 422 || !strings.Contains(fmt.Sprint(out["errors"]), "last_name") || !strings.Contains(fmt.Sprint(out["errors"]), "field:name ") {
		t.Fatalf("unknown filters: %d %v", code, out)
	}
	if code, out, _ := support.do("GET", "/api/v1/leads?email=cynthia@popcynthia.example&limit=5", nil); code != 200 || len(out["items"].([]any)) != 1 {
		t.Fatalf("known filters: %d %v", code, out)
	}
	admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
	if code, _, _ := admin.do("GET", "/api/v1/opportunities?colour=red", nil); code != 422 {
		t.Fatalf("opportunities with an unknown filter: %d", code)
	}
}
