package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// pendingOf is the pending assignment of a lead as c sees it, or nil.
func pendingOf(c apiClient, leadID string) map[string]any {
	_, out, _ := c.do("GET", "/api/v1/assignments?status=pending&limit=500", nil)
	items, _ := out["items"].([]any)
	for _, it := range items {
		if a := it.(map[string]any); a["lead_id"] == leadID {
			return a
		}
	}
	return nil
}

// TestAssignmentsOverHTTP walks a partner's answers and a deal through the
// API as the demo's people: a German lead goes to Berlin or Munich, the
// other partner cannot touch it, its partner declines it and it goes to the
// other, which accepts; Kaffee Haus (accepted by Berlin in the demo) is
// converted by the PAM and its deal reported and won by Berlin.
func TestAssignmentsOverHTTP(t *testing.T) {
	m := MustRunMain(t, storetest.MustURL(t, store.SQLite))
	support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
	pam := apiClient{t, m.URL(), token(t, m, "pam@vendor.example")}
	byPartner := map[string]apiClient{}
	for _, email := range []string{"anna@berlin-systems.example", "max@munich-erp.example"} {
		for _, c := range m.DemoCredentials {
			if c.Email == email {
				byPartner[c.PartnerID] = apiClient{t, m.URL(), c.Token}
			}
		}
	}
	code, out, _ := support.do("POST", "/api/v1/leads", map[string]any{"first_name": "Uwe", "last_name": "Ulm", "email": "uwe@ulm-werke.example",
		"company": "Ulm Werke GmbH", "country": "DE", "consent_share": true, "consent_text": "Yes, share my details."})
	if code != 201 {
		t.Fatalf("lead: %d %v", code, out)
	}
	lead := out["lead"].(map[string]any)
	first := lead["owner"].(map[string]any)["partner_id"].(string)
	var second string
	for id := range byPartner {
		if id != first {
			second = id
		}
	}
	a := pendingOf(byPartner[first], lead["id"].(string))
	if a == nil {
		t.Fatalf("no pending assignment for the partner the lead was routed to")
	}
	id := a["id"].(string)
	if pendingOf(byPartner[second], lead["id"].(string)) != nil {
		t.Fatal("the other partner sees the assignment")
	}
	if code, _, _ := byPartner[second].do("POST", "/api/v1/assignments/"+id+"/accept", nil); code != 404 {
		t.Fatalf("the other partner accepted: %d", code)
	}
	if code, _, _ := support.do("POST", "/api/v1/assignments/"+id+"/accept", nil); code != 403 {
		t.Fatalf("support accepted: %d", code)
	}
	if code, out, _ := byPartner[first].do("POST", "/api/v1/assignments/"+id+"/decline", map[string]any{"reason": "other"}); code != 422 ||
		!strings.Contains(fmt.Sprint(out["errors"]), "note") {
		t.Fatalf("decline with other and no note: %d %v", code, out)
	}
	if code, out, _ := byPartner[first].do("POST", "/api/v1/assignments/"+id+"/decline", map[string]any{"reason": "no_capacity", "note": "Full."}); code != 200 || out["status"] != "declined" {
		t.Fatalf("decline: %d %v", code, out)
	}
	b := pendingOf(byPartner[second], lead["id"].(string))
	if b == nil {
		t.Fatal("after the decline the other German partner has no assignment")
	}
	if code, out, _ := byPartner[second].do("POST", "/api/v1/assignments/"+b["id"].(string)+"/accept", nil); code != 200 || out["status"] != "accepted" {
		t.Fatalf("accept: %d %v", code, out)
	}
	_, tl, _ := support.do("GET", "/api/v1/leads/"+lead["id"].(string)+"/timeline", nil)
	if s := fmt.Sprint(tl["items"]); !strings.Contains(s, "assignment_declined") || !strings.Contains(s, "no_capacity") || !strings.Contains(s, "assignment_accepted") {
		t.Fatalf("timeline lacks the answers: %s", s)
	}
	// The partner now holding the lead sees its own answer, not that
	// another partner declined it, nor why.
	_, tl, _ = byPartner[second].do("GET", "/api/v1/leads/"+lead["id"].(string)+"/timeline", nil)
	if s := fmt.Sprint(tl["items"]); strings.Contains(s, "assignment_declined") || strings.Contains(s, "Full.") || !strings.Contains(s, "assignment_accepted") {
		t.Fatalf("the second partner's timeline: %s", s)
	}

	// The deal: Kaffee Haus, accepted by Berlin in the demo.
	_, leads, _ := support.do("GET", "/api/v1/leads?email=jonas@kaffee-haus.example", nil)
	kaffee := leads["items"].([]any)[0].(map[string]any)
	berlin := byPartner[kaffee["owner"].(map[string]any)["partner_id"].(string)]
	if code, out, _ := pam.do("POST", "/api/v1/leads/"+kaffee["id"].(string)+"/qualify", map[string]any{"consent_share": true, "consent_text": "Yes, share."}); code != 200 {
		t.Fatalf("qualify: %d %v", code, out)
	}
	code, conv, _ := pam.do("POST", "/api/v1/leads/"+kaffee["id"].(string)+"/convert", map[string]any{})
	if code != 201 {
		t.Fatalf("convert: %d %v", code, conv)
	}
	oppID := conv["opportunity"].(map[string]any)["id"].(string)
	if code, out, _ := berlin.do("PATCH", "/api/v1/opportunities/"+oppID, map[string]any{"stage": "nope", "amount": "9.999", "currency": "EUR"}); code != 422 ||
		!strings.Contains(fmt.Sprint(out["errors"]), "stage") || !strings.Contains(fmt.Sprint(out["errors"]), "amount") {
		t.Fatalf("bad deal update: %d %v", code, out)
	}
	if code, _, _ := byPartner[second].do("PATCH", "/api/v1/opportunities/"+oppID, map[string]any{"stage": "proposal"}); code != 404 && byPartner[second] != berlin {
		t.Fatalf("another partner updated the deal: %d", code)
	}
	code, out, _ = berlin.do("PATCH", "/api/v1/opportunities/"+oppID, map[string]any{"stage": "proposal", "amount": "23000.00", "currency": "EUR", "close_date": "2027-02-28"})
	if code != 200 || fmt.Sprint(out["deal"].(map[string]any)["value"]) != "map[amount:23000.00 currency:EUR]" {
		t.Fatalf("deal update: %d %v", code, out)
	}
	if code, out, _ := berlin.do("POST", "/api/v1/opportunities/"+oppID+"/close", map[string]any{"result": "won", "reason": "signed"}); code != 200 || out["status"] != "won" {
		t.Fatalf("close: %d %v", code, out)
	}
	_, perf, _ := pam.do("GET", "/api/v1/performance", nil)
	if s := fmt.Sprint(perf["items"]); !strings.Contains(s, "23000.00") {
		t.Fatalf("performance lacks the won deal: %s", s)
	}
}

// TestLapsesOnceWithTwoServers: two servers on one database, 2s to answer,
// 60 German leads: each lapses at its first partner, is routed to the
// other, lapses again and lands with the vendor, every step exactly once.
func TestLapsesOnceWithTwoServers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		dbURL := storetest.MustURL(t, engine)
		policy := filepath.Join(t.TempDir(), "policy.yaml")
		src := strings.Replace(string(routing.DefaultPolicyYAML), "respond_within: 2 business days", "respond_within: 2s", 1)
		if err := os.WriteFile(policy, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		configure := func(m *Main) { m.Config.PolicyFile, m.Config.AssignmentEvery = policy, 20*time.Millisecond }
		a := MustRunMainWith(t, dbURL, configure)
		b := MustRunMainWith(t, dbURL, configure)
		c := apiClient{t, a.URL(), token(t, b, "support@vendor.example")}
		const n = 60
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out, _ := c.do("POST", "/api/v1/leads", map[string]any{"last_name": "Lapse", "email": fmt.Sprintf("l%d@lapse%d.example", i, i), "country": "DE"})
				if code != 201 {
					t.Errorf("lead %d: %d %v", i, code, out)
					return
				}
				ids[i] = out["lead"].(map[string]any)["id"].(string)
			}()
		}
		wg.Wait()
		ctx := context.Background()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var pending int
			_ = a.DB.View(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM assignments WHERE status = 'pending' AND lead_id IN (SELECT id FROM leads WHERE email LIKE '%@lapse%')`).Scan(&pending)
			})
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d assignments still pending", pending)
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, id := range ids {
			var lapsed, moved int
			var l leadrouter.Lead
			_ = a.DB.View(ctx, func(tx *store.Tx) error {
				events, err := tx.Timeline(ctx, id)
				for _, e := range events {
					switch e.Type {
					case leadrouter.EventAssignmentLapsed:
						lapsed++
					case leadrouter.EventOwnerChanged:
						moved++
					}
				}
				l, _ = tx.Lead(ctx, leadrouter.System, id)
				return err
			})
			if lapsed != 2 || moved != 2 || l.Owner.PartnerID != "" {
				t.Fatalf("lead %s: %d lapses, %d moves, owner %+v; want 2, 2 and the vendor", id, lapsed, moved, l.Owner)
			}
		}
	})
}
