package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// lcWorld is an API server with the lifecycle routes (and the lead reads,
// for checking what partners see) over the lifecycle fixture.
type lcWorld struct {
	t   *testing.T
	f   *lifecycletest.Fixture
	svc *lifecycle.Service
	url string
	// excluded records what each fake re-routing excluded.
	excluded [][]string
}

func newLCWorld(t *testing.T, engine store.Engine) *lcWorld {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	w := &lcWorld{t: t, f: lifecycletest.MustFixture(t, db)}
	s := httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)})
	// Lead capture with the real router (the default policy), and the
	// lead reads, for checking what partners see.
	router, err := live.New(context.Background(), db, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	writer := intake.NewWriter(db, 16)
	t.Cleanup(writer.Close)
	s.MountLeads(&intake.Service{DB: db, Writer: writer, Router: router})
	s.MountRouting(router)
	w.svc = &lifecycle.Service{DB: db, Reroute: func(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, exclude []string) (leadrouter.Owner, string, any, error) {
		// A stand-in for the routing package: the international rule
		// picks P2.
		w.excluded = append(w.excluded, exclude)
		return leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: w.f.P2.ID, PartnerID: w.f.P2.ID}, "international",
			[]map[string]any{{"rule": "international", "matched": true, "candidates": []string{w.f.P2.ID}}}, nil
	}}
	s.MountLifecycle(w.svc)
	srv := httptest.NewServer(s.Handler(1 << 20))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// call sends a request as the named fixture user ("" for no token) and
// returns the status, the raw body and the body decoded as an object.
func (w *lcWorld) call(who, method, path string, body any) (int, string, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	status, _, raw, out := w.send(who, method, path, rd)
	return status, raw, out
}

// send sends body as it is as the named fixture user ("" for no token)
// and returns the status, the headers, the raw answer and the answer
// decoded as an object.
func (w *lcWorld) send(who, method, path string, body io.Reader) (int, http.Header, string, map[string]any) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.url+path, body)
	req.Header.Set("Content-Type", "application/json")
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.f.Tokens[who])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header, string(raw), out
}

// must calls and fails the test unless the status is want.
func (w *lcWorld) must(want int, who, method, path string, body any) map[string]any {
	w.t.Helper()
	status, raw, out := w.call(who, method, path, body)
	if status != want {
		w.t.Fatalf("%s: %s %s = %d, want %d: %s", who, method, path, status, want, raw)
	}
	w.checkLeaks(who, path, raw, true)
	return out
}

// partnerOf is the partner short name of a partner user, or "".
func partnerOf(who string) string {
	switch who {
	case "p1a", "p1b":
		return "P1"
	case "p2a":
		return "P2"
	case "p3a":
		return "P3"
	}
	return ""
}

// checkLeaks fails when a partner user's response to path shows another
// partner's id, PID or name, or (unless contactOK) the fixture leads'
// contact details. The path itself (echoed as a problem's instance) is the
// caller's own input and not looked at.
func (w *lcWorld) checkLeaks(who, path, raw string, contactOK bool) {
	w.t.Helper()
	own := partnerOf(who)
	if own == "" {
		return
	}
	raw = strings.ReplaceAll(raw, path, "")
	for _, name := range []string{"P1", "P2", "P3"} {
		if name == own {
			continue
		}
		p := w.f.Partner(name)
		for _, s := range []string{p.ID, string(p.PID), p.Name} {
			if strings.Contains(raw, s) {
				w.t.Errorf("%s (partner %s) sees %s's %q in: %s", who, own, name, s, raw)
			}
		}
	}
	if !contactOK {
		for _, s := range []string{lifecycletest.FirstName, lifecycletest.LastName, lifecycletest.EmailLocal, lifecycletest.Phone} {
			if strings.Contains(raw, s) {
				w.t.Errorf("%s sees unconsented contact detail %q in: %s", who, s, raw)
			}
		}
	}
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	s, _ := cur.(string)
	return s
}

func items(m map[string]any) []map[string]any {
	raw, _ := m["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		if obj, ok := it.(map[string]any); ok {
			out = append(out, obj)
		}
	}
	return out
}

func ids(list []map[string]any) []string {
	out := []string{}
	for _, it := range list {
		out = append(out, str(it, "id"))
	}
	return out
}

// convertReserved stores a lead PID-reserved for P1, qualifies it (with or
// without consent) and converts it over HTTP; it returns lead and
// opportunity ids.
func (w *lcWorld) convertReserved(consent bool) (string, string) {
	w.t.Helper()
	lead := w.f.MustLead(w.t, lifecycletest.ReservedFor(w.f.P1), lifecycletest.Status(leadrouter.StatusMQL))
	q := map[string]any{"consent_share": consent}
	if consent {
		q["consent_text"] = "I agree that my details may be shared with the partner who referred me."
	}
	w.must(http.StatusOK, "sales", "POST", "/api/v1/leads/"+lead.ID+"/qualify", q)
	out := w.must(http.StatusCreated, "sales", "POST", "/api/v1/leads/"+lead.ID+"/convert", map[string]any{"opportunity_name": "Acme rollout", "amount": 12000})
	return lead.ID, str(out, "opportunity", "id")
}

// TestLifecycleWalkthroughHTTP is the W5/W6 walk-through over HTTP: a lead
// with a credited PID is qualified with consent and converted into P1's
// PAM's hand-off queue; only the PAM's hand-off to P1 (or an admin's
// override) works; P1 then sees the contact and P2 nothing; without
// consent P1 sees the record redacted even after the hand-off.
func TestLifecycleWalkthroughHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		f := w.f
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))
		leadPath := "/api/v1/leads/" + lead.ID

		// Reserved but not handed off: P1 sees the lead redacted, P2 nothing.
		got := w.must(http.StatusOK, "p1a", "GET", leadPath, nil)
		if got["redacted"] != true || got["email"] != nil {
			t.Fatalf("P1 before hand-off: %v", got)
		}
		w.must(http.StatusNotFound, "p2a", "GET", leadPath, nil)

		// Qualify with consent, convert.
		w.must(http.StatusUnprocessableEntity, "sales", "POST", leadPath+"/qualify", map[string]any{"consent_text": "x"})
		w.must(http.StatusConflict, "sales", "POST", leadPath+"/convert", map[string]any{})
		consentText := "I agree that my details may be shared with the partner who referred me."
		q := w.must(http.StatusOK, "sales", "POST", leadPath+"/qualify", map[string]any{"consent_share": true, "consent_text": consentText, "status": "converted", "owner": "x"})
		if q["status"] != "qualified" {
			t.Fatalf("qualified lead: %v", q)
		}
		conv := w.must(http.StatusCreated, "sales", "POST", leadPath+"/convert", map[string]any{"opportunity_name": "Acme rollout", "amount": 12000, "status": "handed_off", "partner_id": f.P2.ID})
		opp := conv["opportunity"].(map[string]any)
		oppID, oppPath := str(opp, "id"), "/api/v1/opportunities/"+str(opp, "id")
		if opp["status"] != "handoff_pending" || opp["reserved_partner_id"] != f.P1.ID || opp["pam_user_id"] != f.Users["pam1"].ID || opp["partner_id"] != "" {
			t.Fatalf("opportunity: %v", opp)
		}
		if str(conv, "contact", "email") != lead.Email || str(conv, "account", "name") != "Acme Widgets" {
			t.Fatalf("conversion: %v", conv)
		}
		w.must(http.StatusConflict, "sales", "POST", leadPath+"/convert", map[string]any{})

		// The queue: pam1 and admin see it; pam2 and the partners do not.
		for who, want := range map[string]bool{"pam1": true, "admin": true, "pam2": false, "p1a": false, "p2a": false} {
			page := w.must(http.StatusOK, who, "GET", "/api/v1/opportunities?status=handoff_pending", nil)
			if has := slices.Contains(ids(items(page)), oppID); has != want {
				t.Errorf("%s's hand-off queue has the opportunity: %v, want %v", who, has, want)
			}
		}
		w.must(http.StatusNotFound, "p1a", "GET", oppPath, nil)
		w.must(http.StatusNotFound, "p2a", "GET", oppPath, nil)

		// Hand-off to P2 without an override is refused; to P1 by another
		// PAM too; to P1 by its PAM it works.
		w.must(http.StatusForbidden, "pam1", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P2.ID})
		w.must(http.StatusForbidden, "pam1", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P2.ID, "override_reason": "because"})
		w.must(http.StatusUnprocessableEntity, "admin", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P2.ID})
		w.must(http.StatusForbidden, "pam2", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P1.ID})
		w.must(http.StatusForbidden, "p1a", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P1.ID})
		handed := w.must(http.StatusOK, "pam1", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P1.ID})
		if handed["status"] != "handed_off" || handed["partner_id"] != f.P1.ID || handed["handed_off_at"] == nil {
			t.Fatalf("handed off: %v", handed)
		}
		w.must(http.StatusConflict, "pam1", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P1.ID})

		// P1's users see the contact; P2 sees nothing.
		for _, who := range []string{"p1a", "p1b"} {
			o := w.must(http.StatusOK, who, "GET", oppPath, nil)
			if o["redacted"] != false || str(o, "contact", "email") != lead.Email || str(o, "lead", "email") != lead.Email || str(o, "contact", "phone") != lifecycletest.Phone {
				t.Fatalf("%s after hand-off: %v", who, o)
			}
			l := w.must(http.StatusOK, who, "GET", leadPath, nil)
			if l["email"] != lead.Email || l["redacted"] != false {
				t.Fatalf("%s's lead after hand-off: %v", who, l)
			}
			list := w.must(http.StatusOK, who, "GET", "/api/v1/opportunities", nil)
			if !slices.Equal(ids(items(list)), []string{oppID}) {
				t.Fatalf("%s's opportunities: %v", who, list)
			}
		}
		for _, path := range []string{oppPath, leadPath, leadPath + "/timeline"} {
			status, raw, _ := w.call("p2a", "GET", path, nil)
			if status != http.StatusNotFound {
				t.Fatalf("P2 GET %s = %d: %s", path, status, raw)
			}
			w.checkLeaks("p2a", path, raw, false)
		}
		if list := w.must(http.StatusOK, "p2a", "GET", "/api/v1/opportunities", nil); len(items(list)) != 0 {
			t.Fatalf("P2's opportunities: %v", list)
		}

		// A withdrawal redacts the record for P1 at once; the history keeps both.
		w.must(http.StatusCreated, "support", "POST", leadPath+"/consent", map[string]any{"share": false, "source": "call", "text": "Called to withdraw consent."})
		status, raw, o := w.call("p1a", "GET", oppPath, nil)
		if status != http.StatusOK || o["redacted"] != true || str(o, "contact", "email") != "" {
			t.Fatalf("P1 after withdrawal: %d %s", status, raw)
		}
		w.checkLeaks("p1a", oppPath, raw, false)
		hist := w.must(http.StatusOK, "support", "GET", leadPath+"/consents", nil)
		if h := items(hist); len(h) != 2 || h[0]["share"] != true || h[0]["text"] != consentText || h[0]["source"] != "qualification" ||
			h[0]["actor"] != f.Users["sales"].ID || h[0]["ip"] == "" || h[1]["share"] != false || h[1]["actor"] != f.Users["support"].ID {
			t.Fatalf("consent history: %v", hist)
		}
		w.must(http.StatusForbidden, "p1a", "GET", leadPath+"/consents", nil)

		// The timeline tells the story in order.
		tl := w.must(http.StatusOK, "admin", "GET", leadPath+"/timeline", nil)
		var types []string
		for _, it := range items(tl) {
			types = append(types, str(it, "type"))
		}
		want := []string{"consent", "status_changed", "status_changed", "converted", "handed_off", "consent"}
		if !slices.Equal(types, want) {
			t.Fatalf("timeline types = %v, want %v", types, want)
		}
		// P1's view of it is redacted (no consent any more).
		status, raw, _ = w.call("p1a", "GET", leadPath+"/timeline", nil)
		if status != http.StatusOK {
			t.Fatalf("P1's timeline: %d %s", status, raw)
		}
		w.checkLeaks("p1a", leadPath+"/timeline", raw, false)

		// Without consent, P1 sees the handed-off record redacted.
		noConsentLead, noConsentOpp := w.convertReserved(false)
		w.must(http.StatusOK, "pam1", "POST", "/api/v1/opportunities/"+noConsentOpp+"/handoff", map[string]any{"partner_id": f.P1.ID})
		for _, path := range []string{"/api/v1/opportunities/" + noConsentOpp, "/api/v1/leads/" + noConsentLead, "/api/v1/leads/" + noConsentLead + "/timeline", "/api/v1/opportunities"} {
			status, raw, _ := w.call("p1a", "GET", path, nil)
			if status != http.StatusOK {
				t.Fatalf("P1 GET %s = %d: %s", path, status, raw)
			}
			w.checkLeaks("p1a", path, raw, false)
		}
		if o := w.must(http.StatusOK, "p1a", "GET", "/api/v1/opportunities/"+noConsentOpp, nil); o["redacted"] != true || o["contact"].(map[string]any)["email"] != nil {
			t.Fatalf("unconsented opportunity for P1: %v", o)
		}

		// An admin's override to P2, with its reason on the timeline: P2
		// gets it, P1 (reserved) keeps only its redacted lead.
		overLead, overOpp := w.convertReserved(true)
		w.must(http.StatusOK, "admin", "POST", "/api/v1/opportunities/"+overOpp+"/handoff", map[string]any{"partner_id": f.P2.ID, "override_reason": "The referring partner declined the deal"})
		if o := w.must(http.StatusOK, "p2a", "GET", "/api/v1/opportunities/"+overOpp, nil); str(o, "contact", "email") == "" || o["override_reason"] != nil {
			t.Fatalf("P2's overridden opportunity: %v", o)
		}
		w.must(http.StatusNotFound, "p1a", "GET", "/api/v1/opportunities/"+overOpp, nil)
		if l := w.must(http.StatusOK, "p1a", "GET", "/api/v1/leads/"+overLead, nil); l["redacted"] != true {
			t.Fatalf("P1's view of the overridden lead: %v", l)
		}
		tl = w.must(http.StatusOK, "admin", "GET", "/api/v1/leads/"+overLead+"/timeline", nil)
		last := items(tl)[len(items(tl))-1]
		if str(last, "type") != "handed_off" || str(last, "data", "override_reason") != "The referring partner declined the deal" || str(last, "actor") != f.Users["admin"].ID {
			t.Fatalf("override on the timeline: %v", last)
		}

		// Stats count the hand-offs.
		st := w.must(http.StatusOK, "p1a", "GET", "/api/v1/partners/"+f.P1.ID+"/stats", nil)
		if tot := st["totals"].(map[string]any); tot["opportunities_handed_off"] != float64(2) || tot["attributed_leads"] != float64(3) {
			t.Fatalf("P1's stats: %v", st)
		}
	})
}

// TestLifecycleReassignmentHTTP is W8 over HTTP: a partner asks to give a
// lead up, the admin sees it in the queue with the contact and partner,
// resolves it by re-running routing without that partner (and another one
// by naming an owner), every step on the timeline; owner changes by
// partner users stay within their partner.
func TestLifecycleReassignmentHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		f := w.f
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1), lifecycletest.Status(leadrouter.StatusMQL), lifecycletest.Consented)
		leadPath := "/api/v1/leads/" + lead.ID

		// P1's users move it among themselves.
		w.must(http.StatusOK, "p1a", "POST", leadPath+"/owner", map[string]any{"owner_id": f.Users["p1b"].ID})
		w.must(http.StatusUnprocessableEntity, "p1b", "POST", leadPath+"/owner", map[string]any{"owner_id": f.Users["p2a"].ID})
		w.must(http.StatusNotFound, "p2a", "POST", leadPath+"/owner", map[string]any{"owner_id": f.Users["p2a"].ID})
		w.must(http.StatusOK, "p1b", "POST", leadPath+"/owner", map[string]any{"owner_id": f.P1.ID})

		// P1 gives it up.
		w.must(http.StatusUnprocessableEntity, "p1a", "POST", leadPath+"/reassignment-requests", map[string]any{})
		w.must(http.StatusNotFound, "p2a", "POST", leadPath+"/reassignment-requests", map[string]any{"reason": "mine now"})
		req := w.must(http.StatusCreated, "p1a", "POST", leadPath+"/reassignment-requests", map[string]any{"reason": "Outside our territory", "partner_id": f.P2.ID, "status": "resolved"})
		if req["partner_id"] != f.P1.ID || req["status"] != "open" {
			t.Fatalf("request: %v", req)
		}
		w.must(http.StatusConflict, "support", "POST", leadPath+"/reassignment-requests", map[string]any{"reason": "again", "partner_id": f.P1.ID})

		// The admin's queue shows the contact and the current partner.
		w.must(http.StatusForbidden, "pam1", "GET", "/api/v1/reassignment-requests", nil)
		w.must(http.StatusForbidden, "p1a", "GET", "/api/v1/reassignment-requests", nil)
		queue := items(w.must(http.StatusOK, "admin", "GET", "/api/v1/reassignment-requests", nil))
		if len(queue) != 1 || str(queue[0], "contact", "email") != lead.Email || str(queue[0], "current_partner", "name") != f.P1.Name ||
			str(queue[0], "partner", "id") != f.P1.ID || str(queue[0], "reason") != "Outside our territory" {
			t.Fatalf("queue: %v", queue)
		}

		// Resolved by re-running routing without P1.
		w.excluded = nil
		res := w.must(http.StatusOK, "admin", "POST", "/api/v1/reassignment-requests/"+str(req, "id")+"/resolve", map[string]any{})
		if str(res, "lead", "owner", "partner_id") != f.P2.ID || str(res, "request", "status") != "resolved" || len(w.excluded) != 1 || !slices.Equal(w.excluded[0], []string{f.P1.ID}) {
			t.Fatalf("resolution: %v (excluded %v)", res, w.excluded)
		}
		w.must(http.StatusConflict, "admin", "POST", "/api/v1/reassignment-requests/"+str(req, "id")+"/resolve", map[string]any{})
		if q := items(w.must(http.StatusOK, "admin", "GET", "/api/v1/reassignment-requests", nil)); len(q) != 0 {
			t.Fatalf("open queue after resolving: %v", q)
		}
		if q := items(w.must(http.StatusOK, "admin", "GET", "/api/v1/reassignment-requests?status=resolved", nil)); len(q) != 1 || str(q[0], "new_owner", "id") != f.P2.ID {
			t.Fatalf("resolved queue: %v", q)
		}

		// P1 no longer sees it; P2 does, with the contact (consented, routed).
		w.must(http.StatusNotFound, "p1a", "GET", leadPath, nil)
		if l := w.must(http.StatusOK, "p2a", "GET", leadPath, nil); l["email"] != lead.Email {
			t.Fatalf("P2's lead: %v", l)
		}
		_, raw, _ := w.call("p2a", "GET", leadPath+"/timeline", nil)
		w.checkLeaks("p2a", leadPath+"/timeline", raw, true)

		// The timeline shows every step with actor, old and new owner.
		tl := items(w.must(http.StatusOK, "admin", "GET", leadPath+"/timeline", nil))
		var steps []string
		for _, it := range tl {
			steps = append(steps, str(it, "type")+" by "+str(it, "actor"))
		}
		want := []string{
			"owner_changed by " + f.Users["p1a"].ID, "owner_changed by " + f.Users["p1b"].ID,
			"reassignment_requested by " + f.Users["p1a"].ID,
			"owner_changed by " + f.Users["admin"].ID, "reassignment_resolved by " + f.Users["admin"].ID,
		}
		if !slices.Equal(steps, want) {
			t.Fatalf("timeline = %v, want %v", steps, want)
		}
		moved := tl[3]["data"].(map[string]any)
		if str(moved, "old_owner", "id") != f.P1.ID || str(moved, "new_owner", "id") != f.P2.ID || str(moved, "rule") != "international" || str(moved, "request_id") != str(req, "id") {
			t.Fatalf("owner change by resolution: %v", moved)
		}

		// The support desk files for P2; without routing, the admin must name
		// the owner.
		req2 := w.must(http.StatusCreated, "support", "POST", leadPath+"/reassignment-requests", map[string]any{"reason": "P2 phoned: no capacity", "partner_id": f.P2.ID})
		w.svc.Reroute = nil
		status, raw, _ := w.call("admin", "POST", "/api/v1/reassignment-requests/"+str(req2, "id")+"/resolve", map[string]any{})
		if status != http.StatusConflict || !strings.Contains(raw, "Routing is not available") {
			t.Fatalf("resolve without routing: %d %s", status, raw)
		}
		res = w.must(http.StatusOK, "admin", "POST", "/api/v1/reassignment-requests/"+str(req2, "id")+"/resolve", map[string]any{"owner_id": f.Users["sales"].ID})
		if str(res, "lead", "owner", "id") != f.Users["sales"].ID {
			t.Fatalf("named resolution: %v", res)
		}
		w.must(http.StatusNotFound, "p2a", "GET", leadPath, nil)
	})
}

// lcCase is one lifecycle route with a fresh record per call and the
// status each caller must get.
type lcCase struct {
	name  string
	setup func(w *lcWorld) (method, path string, body any)
	want  map[string]int
}

// TestLifecycleRouteMatrix calls every lifecycle route with the token of
// every role, of two partners and none, on fresh records routed to P1
// without consent, and checks the statuses and that no partner response
// shows another partner's data or the unconsented contact details.
func TestLifecycleRouteMatrix(t *testing.T) {
	const ok, created, forbidden, notFound = http.StatusOK, http.StatusCreated, http.StatusForbidden, http.StatusNotFound
	owned := func(w *lcWorld, opts ...lifecycletest.LeadOption) leadrouter.Lead {
		return w.f.MustLead(w.t, append([]lifecycletest.LeadOption{lifecycletest.OwnedBy(w.f.P1), lifecycletest.Status(leadrouter.StatusMQL)}, opts...)...)
	}
	staffAnd := func(status int, extra map[string]int) map[string]int {
		m := map[string]int{"admin": status, "pam1": status, "pam2": status, "relations": status, "support": status, "sales": status, "p1a": forbidden, "p2a": forbidden}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []lcCase{
		{"qualify", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w).ID + "/qualify", map[string]any{"consent_share": false}
		}, staffAnd(ok, map[string]int{"relations": forbidden, "support": forbidden})},
		{"disqualify", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w).ID + "/disqualify", map[string]any{"reason": "no budget"}
		}, staffAnd(ok, map[string]int{"relations": forbidden, "support": forbidden})},
		{"consent", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w).ID + "/consent", map[string]any{"share": false, "source": "call"}
		}, staffAnd(created, map[string]int{"relations": forbidden})},
		{"consents", func(w *lcWorld) (string, string, any) {
			return "GET", "/api/v1/leads/" + owned(w).ID + "/consents", nil
		}, staffAnd(ok, nil)},
		{"convert", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w, lifecycletest.Status(leadrouter.StatusQualified)).ID + "/convert", map[string]any{"opportunity_name": "Deal"}
		}, staffAnd(created, map[string]int{"relations": forbidden, "support": forbidden})},
		{"owner", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w).ID + "/owner", map[string]any{"owner_id": w.f.Users["p1b"].ID}
		}, staffAnd(forbidden, map[string]int{"admin": ok, "pam1": ok, "support": ok, "p1a": ok, "p2a": notFound})},
		{"request reassignment", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/" + owned(w).ID + "/reassignment-requests", map[string]any{"reason": "too far", "partner_id": w.f.P1.ID}
		}, staffAnd(forbidden, map[string]int{"support": created, "p1a": created, "p2a": notFound})},
		{"reassignment queue", func(w *lcWorld) (string, string, any) {
			return "GET", "/api/v1/reassignment-requests?status=all", nil
		}, staffAnd(forbidden, map[string]int{"admin": ok, "support": ok})}, // support: those it filed
		{"resolve", func(w *lcWorld) (string, string, any) {
			lead := owned(w)
			req, err := w.svc.RequestReassignment(context.Background(), w.f.Actor("p1a"), lead.ID, lifecycle.ReassignmentInput{Reason: "too far"})
			if err != nil {
				w.t.Fatal(err)
			}
			return "POST", "/api/v1/reassignment-requests/" + req.ID + "/resolve", map[string]any{"owner_id": w.f.Users["sales"].ID}
		}, staffAnd(forbidden, map[string]int{"admin": ok})},
		{"opportunities", func(w *lcWorld) (string, string, any) {
			return "GET", "/api/v1/opportunities", nil
		}, staffAnd(forbidden, map[string]int{"admin": ok, "pam1": ok, "pam2": ok, "p1a": ok, "p2a": ok})},
		{"hand-off queue", func(w *lcWorld) (string, string, any) {
			return "GET", "/api/v1/opportunities?status=handoff_pending", nil
		}, staffAnd(forbidden, map[string]int{"admin": ok, "pam1": ok, "pam2": ok, "p1a": ok, "p2a": ok})},
		{"opportunity", func(w *lcWorld) (string, string, any) {
			lead := owned(w, lifecycletest.Status(leadrouter.StatusQualified))
			c, err := w.svc.Convert(context.Background(), w.f.Actor("admin"), lead.ID, lifecycle.ConvertInput{})
			if err != nil {
				w.t.Fatal(err)
			}
			return "GET", "/api/v1/opportunities/" + c.Opportunity.ID, nil
		}, staffAnd(ok, map[string]int{"p1a": ok, "p2a": notFound})},
		{"hand off", func(w *lcWorld) (string, string, any) {
			lead := w.f.MustLead(w.t, lifecycletest.ReservedFor(w.f.P1), lifecycletest.Status(leadrouter.StatusQualified))
			c, err := w.svc.Convert(context.Background(), w.f.Actor("admin"), lead.ID, lifecycle.ConvertInput{})
			if err != nil {
				w.t.Fatal(err)
			}
			return "POST", "/api/v1/opportunities/" + c.Opportunity.ID + "/handoff", map[string]any{"partner_id": w.f.P1.ID}
		}, staffAnd(forbidden, map[string]int{"admin": ok, "pam1": ok})},
		{"stats", func(w *lcWorld) (string, string, any) {
			return "GET", "/api/v1/partners/" + w.f.P1.ID + "/stats", nil
		}, staffAnd(forbidden, map[string]int{"admin": ok, "pam1": ok, "pam2": notFound, "p1a": ok, "p2a": notFound})},
		{"unknown lead", func(w *lcWorld) (string, string, any) {
			return "POST", "/api/v1/leads/lead_nope/owner", map[string]any{"owner_id": w.f.Users["p1b"].ID}
		}, staffAnd(forbidden, map[string]int{"admin": notFound, "pam1": notFound, "pam2": notFound, "support": notFound, "p1a": notFound, "p2a": notFound})},
	}
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		for _, c := range cases {
			for _, who := range append([]string{""}, "admin", "pam1", "pam2", "relations", "support", "sales", "p1a", "p2a") {
				method, path, body := c.setup(w)
				want := http.StatusUnauthorized
				if who != "" {
					want = c.want[who]
				}
				status, raw, _ := w.call(who, method, path, body)
				if status != want {
					t.Errorf("%s as %q: %s %s = %d, want %d: %s", c.name, who, method, path, status, want, raw)
				}
				w.checkLeaks(who, path, raw, false)
			}
		}
		// P2's lists stay empty: everything here belongs to P1.
		for _, path := range []string{"/api/v1/opportunities", "/api/v1/opportunities?status=handed_off"} {
			if got := items(w.must(http.StatusOK, "p2a", "GET", path, nil)); len(got) != 0 {
				t.Errorf("P2's %s: %v", path, got)
			}
			if got := items(w.must(http.StatusOK, "pam2", "GET", path, nil)); len(got) != 0 {
				t.Errorf("pam2's %s: %v", path, got)
			}
		}
		if got := items(w.must(http.StatusOK, "p1a", "GET", "/api/v1/opportunities", nil)); len(got) == 0 {
			t.Errorf("P1 sees none of its opportunities")
		}
	})
}

// TestHandoffOwnerAndPhoneHTTP checks over HTTP that a hand-off makes the
// partner the lead's owner (GET shows it, ?owner= finds it, the partner
// lists it as its own, one handed_off event carries the change), and that
// the lead shape has phone_e164, redacted for partners like phone.
func TestHandoffOwnerAndPhoneHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		f := w.f
		const e164 = "+15550100777"
		withE164 := func(l *leadrouter.Lead) { l.PhoneE164 = e164 }
		for _, consent := range []bool{true, false} {
			lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL), withE164)
			leadPath := "/api/v1/leads/" + lead.ID
			if got := w.must(http.StatusOK, "support", "GET", leadPath, nil); got["phone_e164"] != e164 || got["phone"] != lifecycletest.Phone {
				t.Fatalf("staff's lead: %v", got)
			}
			if _, raw, got := w.call("p1a", "GET", leadPath, nil); got["phone_e164"] != nil || strings.Contains(raw, e164) {
				t.Fatalf("P1 sees the reserved lead's phone: %s", raw)
			}
			q := map[string]any{"consent_share": consent}
			if consent {
				q["consent_text"] = "You may share my details with the partner who referred me."
			}
			w.must(http.StatusOK, "sales", "POST", leadPath+"/qualify", q)
			conv := w.must(http.StatusCreated, "sales", "POST", leadPath+"/convert", map[string]any{})
			oppPath := "/api/v1/opportunities/" + str(conv, "opportunity", "id")
			w.must(http.StatusOK, "pam1", "POST", oppPath+"/handoff", map[string]any{"partner_id": f.P1.ID})

			got := w.must(http.StatusOK, "admin", "GET", leadPath, nil)
			if str(got, "owner", "kind") != "partner" || str(got, "owner", "id") != f.P1.ID || str(got, "owner", "partner_id") != f.P1.ID {
				t.Fatalf("owner after hand-off: %v", got["owner"])
			}
			for _, who := range []string{"admin", "pam1", "p1a"} {
				list := w.must(http.StatusOK, who, "GET", "/api/v1/leads?owner="+f.P1.ID, nil)
				if !slices.Contains(ids(items(list)), lead.ID) {
					t.Fatalf("%s: ?owner=P1 misses the lead: %v", who, list)
				}
			}
			status, raw, mine := w.call("p1a", "GET", leadPath, nil)
			if status != http.StatusOK || str(mine, "owner", "id") != f.P1.ID {
				t.Fatalf("P1's lead after hand-off: %d %s", status, raw)
			}
			if consent {
				if mine["redacted"] != false || mine["email"] != lead.Email || mine["phone_e164"] != e164 {
					t.Fatalf("P1's consented lead: %s", raw)
				}
			} else {
				w.checkLeaks("p1a", leadPath, raw, false)
				if mine["redacted"] != true || mine["phone_e164"] != nil || strings.Contains(raw, e164) {
					t.Fatalf("P1's unconsented lead: %s", raw)
				}
			}
			w.must(http.StatusNotFound, "p2a", "GET", leadPath, nil)

			tl := items(w.must(http.StatusOK, "admin", "GET", leadPath+"/timeline", nil))
			var handoffs int
			for _, it := range tl {
				switch str(it, "type") {
				case "owner_changed":
					t.Fatalf("a separate owner_changed event: %v", it)
				case "handed_off":
					handoffs++
					if str(it, "data", "old_owner", "id") != "marketing-nurture" || str(it, "data", "new_owner", "id") != f.P1.ID {
						t.Fatalf("hand-off event: %v", it)
					}
				}
			}
			if handoffs != 1 {
				t.Fatalf("%d handed_off events", handoffs)
			}
			// P1's timeline view hides the owners' ids as before.
			_, raw, _ = w.call("p1a", "GET", leadPath+"/timeline", nil)
			w.checkLeaks("p1a", leadPath+"/timeline", raw, consent)
		}
	})
}

// TestReservedBelowMQLHTTP checks that qualifying a PID-reserved lead
// below the MQL threshold is a 409 problem naming score and threshold,
// and that the lead cannot be converted either.
func TestReservedBelowMQLHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		lead := w.f.MustLead(t, lifecycletest.ReservedFor(w.f.P1), func(l *leadrouter.Lead) { l.Score = 20 })
		leadPath := "/api/v1/leads/" + lead.ID
		status, raw, p := w.call("sales", "POST", leadPath+"/qualify", map[string]any{"consent_share": false})
		if status != http.StatusConflict || p["status"] != float64(409) || !strings.Contains(str(p, "detail"), "score 20 is below the MQL threshold of 50") {
			t.Fatalf("qualify below MQL: %d %s", status, raw)
		}
		w.must(http.StatusConflict, "sales", "POST", leadPath+"/convert", map[string]any{})
		if got := w.must(http.StatusOK, "admin", "GET", leadPath, nil); got["status"] != "nurturing" {
			t.Fatalf("lead after the refusal: %v", got)
		}
		// Without a reservation the same lead qualifies.
		plain := w.f.MustLead(t, func(l *leadrouter.Lead) { l.Score = 20 })
		w.must(http.StatusOK, "sales", "POST", "/api/v1/leads/"+plain.ID+"/qualify", map[string]any{"consent_share": false})
	})
}

// TestContactDuplicateHTTP submits the e-mail of a converted lead (now a
// contact): 200 with the lead it converted from (not a blank one),
// duplicate_of the contact and duplicate_kind "contact"; the response is
// on that lead's timeline; an Idempotency-Key replays the same answer.
func TestContactDuplicateHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		sub := map[string]any{"first_name": "Carl", "last_name": "Maple", "email": "carl@maple-soft.example", "company": "Maple Soft",
			"country": "CA", "source": "call", "phone": "(416) 555-0123"}
		created := w.must(http.StatusCreated, "support", "POST", "/api/v1/leads", sub)
		leadID := str(created, "lead", "id")
		if str(created, "lead", "phone_e164") != "+14165550123" {
			t.Fatalf("created lead: %v", created["lead"])
		}
		w.must(http.StatusOK, "sales", "POST", "/api/v1/leads/"+leadID+"/qualify", map[string]any{"consent_share": false})
		conv := w.must(http.StatusCreated, "sales", "POST", "/api/v1/leads/"+leadID+"/convert", map[string]any{})
		contactID := str(conv, "contact", "id")

		again := map[string]any{"last_name": "Noconsent", "email": "carl@maple-soft.example", "country": "CA", "source": "email"}
		post := func(key string) (int, string, map[string]any) {
			t.Helper()
			raw, _ := json.Marshal(again)
			req, _ := http.NewRequest("POST", w.url+"/api/v1/leads", bytes.NewReader(raw))
			req.Header.Set("Authorization", "Bearer "+w.f.Tokens["support"])
			req.Header.Set("Idempotency-Key", key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var out map[string]any
			_ = json.Unmarshal(body, &out)
			return resp.StatusCode, string(body), out
		}
		status, raw, dup := post("contact-dup-1")
		if status != http.StatusOK || str(dup, "duplicate_of") != contactID || str(dup, "duplicate_kind") != "contact" ||
			str(dup, "lead", "id") != leadID || str(dup, "lead", "created_at") != str(created, "lead", "created_at") ||
			str(dup, "lead", "status") != "converted" || dup["lead"].(map[string]any)["responses"] != float64(2) {
			t.Fatalf("contact duplicate: %d %s", status, raw)
		}
		status2, raw2, _ := post("contact-dup-1")
		if status2 != status || strings.TrimSpace(raw2) != strings.TrimSpace(raw) {
			t.Fatalf("replay: %d %s, first %s", status2, raw2, raw)
		}
		tl := items(w.must(http.StatusOK, "support", "GET", "/api/v1/leads/"+leadID+"/timeline", nil))
		var responses []map[string]any
		for _, it := range tl {
			if str(it, "type") == "response" {
				responses = append(responses, it)
			}
		}
		if len(responses) != 1 || str(responses[0], "data", "contact_id") != contactID || str(responses[0], "data", "last_name") != "Noconsent" {
			t.Fatalf("responses on the timeline: %v", responses)
		}
		list := w.must(http.StatusOK, "support", "GET", "/api/v1/leads?email=carl@maple-soft.example", nil)
		if got := ids(items(list)); !slices.Equal(got, []string{leadID}) {
			t.Fatalf("leads with the e-mail: %v", got)
		}
	})
}

// TestSupportReadsOwnersByName: the lead reads and the timeline name the
// owner and the actors for staff ("who owns it now?" without looking ids
// up); a partner sees its own side by name and the rest by kind.
func TestSupportReadsOwnersByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		w := newLCWorld(t, engine)
		f := w.f
		out := w.must(http.StatusCreated, "support", "POST", "/api/v1/leads", map[string]any{"last_name": "Named", "email": "named@owner.example", "country": "DE"})
		id := out["lead"].(map[string]any)["id"].(string)
		changed := w.must(http.StatusOK, "admin", "POST", "/api/v1/leads/"+id+"/owner", map[string]any{"owner_id": f.Users["p1a"].ID})
		if changed["owner_name"] != "Alpha Resellers — User p1a" {
			t.Errorf("the owner change's answer: owner_name = %v", changed["owner_name"])
		}

		lead := w.must(http.StatusOK, "support", "GET", "/api/v1/leads/"+id, nil)
		if lead["owner_name"] != "Alpha Resellers — User p1a" {
			t.Errorf("support's owner_name = %v", lead["owner_name"])
		}
		list := w.must(http.StatusOK, "support", "GET", "/api/v1/leads?email=named@owner.example", nil)
		if got := list["items"].([]any)[0].(map[string]any)["owner_name"]; got != "Alpha Resellers — User p1a" {
			t.Errorf("list owner_name = %v", got)
		}
		tl := w.must(http.StatusOK, "support", "GET", "/api/v1/leads/"+id+"/timeline", nil)
		var named bool
		for _, it := range tl["items"].([]any) {
			item := it.(map[string]any)
			if item["type"] != "owner_changed" {
				continue
			}
			data := item["data"].(map[string]any)
			named = item["actor_name"] == "User admin" && data["new_owner"].(map[string]any)["name"] == "Alpha Resellers — User p1a"
		}
		if !named {
			t.Errorf("timeline does not name the owner change: %v", tl["items"])
		}
		matches := w.must(http.StatusOK, "support", "GET", "/api/v1/matches?email=named@owner.example", nil)
		found := false
		for _, it := range matches["items"].([]any) {
			m := it.(map[string]any)
			if m["id"] == id {
				found = m["owner_name"] == "User p1a"
				if score := m["score"].(float64); score*1000 != math.Round(score*1000) {
					t.Errorf("score %v has more than three decimals", score)
				}
			}
		}
		if !found {
			t.Errorf("matches do not name the owner: %v", matches["items"])
		}
		if lead := w.must(http.StatusOK, "p1b", "GET", "/api/v1/leads/"+id, nil); lead["owner_name"] != "Alpha Resellers — User p1a" {
			t.Errorf("the partner's own user: %v", lead["owner_name"])
		}
	})
}
