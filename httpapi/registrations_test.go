package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// regServer is an API server with registrations mounted.
func regServer(t *testing.T, db *store.DB) *httptest.Server {
	t.Helper()
	s := httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)})
	s.MountRegistrations(&registration.Service{DB: db})
	srv := httptest.NewServer(s.Handler(1 << 20))
	t.Cleanup(srv.Close)
	return srv
}

type regPartner struct {
	id, name, token string
}

type regWorld struct {
	t        *testing.T
	db       *store.DB
	base     string
	partners []regPartner
	tokens   map[string]string // role -> token
	// partnerBodies collects every body answered to a partner token.
	mu            sync.Mutex
	partnerBodies []string
}

func newRegWorld(t *testing.T, db *store.DB, base string, partners int) *regWorld {
	t.Helper()
	w := &regWorld{t: t, db: db, base: base, tokens: map[string]string{}}
	ctx := context.Background()
	err := db.Update(ctx, func(tx *store.Tx) error {
		for i := range partners {
			p, err := admin.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: fmt.Sprintf("Zorblax Resellers %c", 'A'+i), Countries: []string{"US"},
				Domains: []string{fmt.Sprintf("zorblax%d.example", i)}})
			if err != nil {
				return err
			}
			_, token, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: fmt.Sprintf("sam%d@zorblax%d.example", i, i), Name: "Sam", Role: leadrouter.RolePartner, PartnerID: p.ID})
			if err != nil {
				return err
			}
			w.partners = append(w.partners, regPartner{id: p.ID, name: p.Name, token: token})
		}
		for _, role := range []leadrouter.Role{leadrouter.RoleRelations, leadrouter.RoleAdmin, leadrouter.RoleSupport} {
			_, token, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: string(role) + "@vendor.example", Name: string(role), Role: role})
			if err != nil {
				return err
			}
			w.tokens[string(role)] = token
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return w
}

// call sends a request with token and decodes the JSON answer.
func (w *regWorld) call(base, token, method, path string, body any) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, p := range w.partners {
		if p.token == token {
			w.mu.Lock()
			w.partnerBodies = append(w.partnerBodies, string(raw))
			w.mu.Unlock()
		}
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (w *regWorld) as(i int) func(method, path string, body any) (int, map[string]any) {
	return func(method, path string, body any) (int, map[string]any) {
		w.t.Helper()
		return w.call(w.base, w.partners[i].token, method, path, body)
	}
}

func (w *regWorld) staff(role string) func(method, path string, body any) (int, map[string]any) {
	return func(method, path string, body any) (int, map[string]any) {
		w.t.Helper()
		return w.call(w.base, w.tokens[role], method, path, body)
	}
}

func wantRegistration(t *testing.T, status int, body map[string]any, wantStatus int, flag, regStatus string) {
	t.Helper()
	if status != wantStatus || body["flag"] != flag || body["status"] != regStatus {
		t.Fatalf("answer %d %v, want %d %s/%s", status, body, wantStatus, flag, regStatus)
	}
	if reasons, _ := body["reasons"].([]any); len(reasons) == 0 {
		t.Fatalf("no reasons: %v", body)
	}
}

func TestRegistrationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db := storetest.MustOpen(t, engine)
		srv := regServer(t, db)
		w := newRegWorld(t, db, srv.URL, 2)
		alpha, beta := w.as(0), w.as(1)
		relations, support := w.staff("relations"), w.staff("support")
		ctx := context.Background()

		// Records of others, with contact details that must never reach a partner.
		var leadID string
		err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := admin.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Initech LLC", Domains: []string{"initech.com"}, Country: "US", OwnerPartnerID: w.partners[1].id}); err != nil {
				return err
			}
			l := leadrouter.Lead{Status: leadrouter.StatusNew, FirstName: "Zebediah", LastName: "Quackenbush", Email: "zebediah.q@hooli.com",
				Phone: "+1 415 555 0199", Company: "Hooli", Country: "US", Source: leadrouter.SourceCall,
				Owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: w.partners[1].id, PartnerID: w.partners[1].id}}
			leadID = l.ID
			err := tx.InsertLead(ctx, &l)
			leadID = l.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Green, with forged fields ignored.
		status, green := alpha("POST", "/api/v1/registrations", map[string]any{"company": "Globex Corporation", "domain": "globex.com", "country": "US",
			"flag": "red", "status": "rejected", "expires_at": "2000-01-01T00:00:00Z", "partner_id": w.partners[1].id, "id": "reg_forged"})
		wantRegistration(t, status, green, http.StatusCreated, "green", "approved")
		if green["expires_at"] == nil || green["id"] == "reg_forged" || green["partner_id"] != nil || green["conflicts"] != nil {
			t.Fatalf("green answer = %v", green)
		}
		greenID := green["id"].(string)
		if status, got := alpha("GET", "/api/v1/registrations/"+greenID, nil); status != http.StatusOK || got["status"] != "approved" {
			t.Fatalf("read own: %d %v", status, got)
		}
		if status, _ := beta("GET", "/api/v1/registrations/"+greenID, nil); status != http.StatusNotFound {
			t.Fatalf("another partner reading it: %d, want 404", status)
		}

		// Red for another partner's approved registration.
		status, red := beta("POST", "/api/v1/registrations", map[string]any{"company": "Globex", "domain": "https://www.globex.com/", "country": "United States"})
		wantRegistration(t, status, red, http.StatusCreated, "red", "rejected")
		if red["expires_at"] != nil {
			t.Errorf("red has an expiry: %v", red)
		}
		wantReasonsSay(t, red, "not solicit", "will review")

		// The check and the registration run the same search, the contact
		// e-mail's domain included: initech.com is beta's account.
		checkAs := func(do func(string, string, any) (int, map[string]any), query string) map[string]any {
			t.Helper()
			status, body := do("GET", "/api/v1/registrations/check?"+query, nil)
			if status != http.StatusOK {
				t.Fatalf("check %s: %d %v", query, status, body)
			}
			return body
		}
		byEmail := checkAs(alpha, "domain=bar-co.example&company=Bar+Co&contact_email=someone%40initech.com")
		status, body := alpha("POST", "/api/v1/registrations", map[string]any{"company": "Bar Co", "domain": "bar-co.example", "country": "US",
			"contact_email": "someone@initech.com"})
		wantRegistration(t, status, body, http.StatusCreated, "red", "rejected")
		if byEmail["flag"] != "red" || fmt.Sprint(byEmail["reasons"]) != fmt.Sprint(body["reasons"]) {
			t.Fatalf("check %v, registration %v", byEmail, body)
		}

		// A partner's own company is refused, naming the domain.
		for _, own := range []map[string]any{
			{"company": "Zorblax Resellers A", "domain": "zorblax0.example", "country": "US"},
			{"company": "Someone", "domain": "someone.example", "country": "US", "contact_email": "sam0@zorblax0.example"},
		} {
			status, problem := alpha("POST", "/api/v1/registrations", own)
			if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(problem["errors"]), "domain") {
				t.Fatalf("registering its own company %v: %d %v", own, status, problem)
			}
		}
		if status, problem := alpha("GET", "/api/v1/registrations/check?domain=zorblax0.example", nil); status != http.StatusUnprocessableEntity ||
			!strings.Contains(fmt.Sprint(problem["errors"]), "domain") {
			t.Fatalf("checking its own company: %d %v", status, problem)
		}

		// Red for another partner's account; green for the partner's own.
		status, body = alpha("POST", "/api/v1/registrations", map[string]any{"company": "Initech", "domain": "initech.com", "country": "US"})
		wantRegistration(t, status, body, http.StatusCreated, "red", "rejected")
		status, body = beta("POST", "/api/v1/registrations", map[string]any{"company": "Initech", "domain": "initech.com", "country": "US"})
		wantRegistration(t, status, body, http.StatusCreated, "green", "approved")

		// Yellow: an open lead of another partner. The partner cannot approve it.
		status, yellow := alpha("POST", "/api/v1/registrations", map[string]any{"company": "Hooli", "domain": "hooli.com", "country": "US",
			"contact_email": "zebediah.q@hooli.com", "note": "met at a trade show"})
		wantRegistration(t, status, yellow, http.StatusCreated, "yellow", "pending")
		wantReasonsSay(t, yellow, "will review", "not solicit this company.")
		yellowID := yellow["id"].(string)
		if status, _ := alpha("POST", "/api/v1/registrations", map[string]any{"company": "Hooli", "domain": "hooli.com", "country": "US"}); status != http.StatusConflict {
			t.Fatalf("registering a pending prospect again: %d", status)
		}
		if status, _ := alpha("POST", "/api/v1/registrations/"+yellowID+"/approve", map[string]any{"reason": "I say so"}); status != http.StatusForbidden {
			t.Fatalf("partner approving its own: %d, want 403", status)
		}

		// The relations queue shows it with the full detail.
		status, queue := relations("GET", "/api/v1/registrations?status=pending", nil)
		items, _ := queue["items"].([]any)
		if status != http.StatusOK || len(items) != 1 {
			t.Fatalf("queue: %d %v", status, queue)
		}
		queued := items[0].(map[string]any)
		if queued["id"] != yellowID || queued["partner_id"] != w.partners[0].id || !strings.Contains(fmt.Sprint(queued["conflicts"]), leadID) ||
			!strings.Contains(fmt.Sprint(queued["conflicts"]), w.partners[1].name) || queued["contact_email"] != "zebediah.q@hooli.com" {
			t.Fatalf("queued = %v", queued)
		}
		if status, _ := relations("POST", "/api/v1/registrations/"+yellowID+"/approve", map[string]any{}); status != http.StatusUnprocessableEntity {
			t.Fatalf("approval without a reason: %d", status)
		}
		status, approved := relations("POST", "/api/v1/registrations/"+yellowID+"/approve", map[string]any{"reason": "Alpha sourced it first."})
		if status != http.StatusOK || approved["status"] != "approved" || approved["flag"] != "yellow" || approved["expires_at"] == nil {
			t.Fatalf("approve: %d %v", status, approved)
		}
		if status, got := alpha("GET", "/api/v1/registrations/"+yellowID, nil); status != http.StatusOK || got["status"] != "approved" || got["expires_at"] == nil {
			t.Fatalf("partner reading the approved one: %d %v", status, got)
		} else {
			wantReasonsSay(t, got, "approved your registration", "will review")
		}

		// Partners list only their own; staff all.
		if status, list := beta("GET", "/api/v1/registrations", nil); status != http.StatusOK || len(list["items"].([]any)) != 2 {
			t.Fatalf("partner list: %d %v", status, list)
		}
		if status, list := relations("GET", "/api/v1/registrations", nil); status != http.StatusOK || len(list["items"].([]any)) != 6 {
			t.Fatalf("staff list: %d %v", status, list)
		}

		// The check before registering creates nothing.
		status, check := beta("GET", "/api/v1/registrations/check?domain=globex.com&company=Globex", nil)
		if status != http.StatusOK || check["flag"] != "red" || check["conflicts"] != nil {
			t.Fatalf("partner check: %d %v", status, check)
		}
		status, check = support("GET", "/api/v1/registrations/check?company=Umbrella", nil)
		if status != http.StatusOK || check["flag"] != "green" {
			t.Fatalf("support check: %d %v", status, check)
		}
		if status, _ := support("GET", "/api/v1/registrations/check", nil); status != http.StatusUnprocessableEntity {
			t.Fatalf("empty check: %d", status)
		}

		// One extension, through relations.
		if status, got := alpha("POST", "/api/v1/registrations/"+greenID+"/extend", map[string]any{"reason": "Long sales cycle."}); status != http.StatusOK || got["extension_requested"] != true {
			t.Fatalf("extend: %d %v", status, got)
		}
		if status, _ := alpha("POST", "/api/v1/registrations/"+greenID+"/extend", map[string]any{"reason": "again"}); status != http.StatusConflict {
			t.Fatalf("second extension request: %d", status)
		}
		if status, got := relations("POST", "/api/v1/registrations/"+greenID+"/approve", map[string]any{"reason": "ok"}); status != http.StatusOK || got["extended"] != true {
			t.Fatalf("approve extension: %d %v", status, got)
		}
		if status, tl := relations("GET", "/api/v1/registrations/"+greenID+"/timeline", nil); status != http.StatusOK || len(tl["items"].([]any)) != 3 {
			t.Fatalf("timeline: %d %v", status, tl)
		}
		if status, _ := alpha("GET", "/api/v1/registrations/"+greenID+"/timeline", nil); status != http.StatusForbidden {
			t.Fatalf("partner reading the timeline: %d", status)
		}

		// Validation.
		status, problem := alpha("POST", "/api/v1/registrations", map[string]any{"company": "", "domain": "gmail.com", "country": "Narnia"})
		if status != http.StatusUnprocessableEntity || len(problem["errors"].([]any)) != 3 {
			t.Fatalf("invalid registration: %d %v", status, problem)
		}
		if status, _ := relations("POST", "/api/v1/registrations", map[string]any{"company": "X", "domain": "x.com", "country": "US"}); status != http.StatusForbidden {
			t.Fatalf("staff registering: %d", status)
		}

		w.scanPartnerBodies(t, []string{"Zebediah", "Quackenbush", "zebediah.q@hooli.com", "555 0199", "4155550199"})
	})
}

// wantReasonsSay checks that every reason of a registration answer says
// want and none says unwanted.
func wantReasonsSay(t *testing.T, body map[string]any, want, unwanted string) {
	t.Helper()
	reasons, _ := body["reasons"].([]any)
	if len(reasons) == 0 {
		t.Fatalf("no reasons: %v", body)
	}
	for _, r := range reasons {
		msg := fmt.Sprint(r.(map[string]any)["message"])
		if !strings.Contains(msg, want) || strings.Contains(msg, unwanted) {
			t.Errorf("%s/%s reason says %q; want %q, not %q", body["flag"], body["status"], msg, want, unwanted)
		}
	}
}

// scanPartnerBodies checks that no answer to a partner named another
// partner (or its id) or showed a contact's details.
func (w *regWorld) scanPartnerBodies(t *testing.T, contact []string) {
	t.Helper()
	if len(w.partnerBodies) == 0 {
		t.Fatal("no partner answers to scan")
	}
	for _, body := range w.partnerBodies {
		for _, secret := range contact {
			if strings.Contains(body, secret) {
				t.Errorf("a partner's answer shows contact detail %q: %s", secret, body)
			}
		}
		for _, p := range w.partners {
			if strings.Contains(body, p.name) {
				t.Errorf("a partner's answer names partner %q: %s", p.name, body)
			}
		}
	}
	// Only a partner's own id may appear in its answers: none do.
	for _, body := range w.partnerBodies {
		for _, p := range w.partners {
			if strings.Contains(body, p.id) {
				t.Errorf("a partner's answer carries partner id %s: %s", p.id, body)
			}
		}
	}
}

// TestRegistrationsConcurrentHTTP has ten partners register one new
// prospect at the same moment through two API servers on two database
// handles (two server processes): exactly one gets green.
func TestRegistrationsConcurrentHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		url := storetest.MustURL(t, engine)
		db1, db2 := storetest.MustOpenURL(t, url), storetest.MustOpenURL(t, url)
		bases := []string{regServer(t, db1).URL, regServer(t, db2).URL}
		w := newRegWorld(t, db1, bases[0], 10)
		for round, prospect := range []map[string]any{
			{"company": "Acme Rockets Inc", "domain": "acmerockets.com", "country": "US"},
			{"company": "Nakatomi Trading Corp.", "domain": "nakatomi.co.jp", "country": "JP"},
		} {
			start := make(chan struct{})
			var wg sync.WaitGroup
			flags := make([]string, 10)
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status, body := w.call(bases[i%2], w.partners[i].token, "POST", "/api/v1/registrations", prospect)
					if status != http.StatusCreated {
						t.Errorf("round %d partner %d: %d %v", round, i, status, body)
						return
					}
					flags[i], _ = body["flag"].(string)
				}()
			}
			close(start)
			wg.Wait()
			greens := 0
			for _, f := range flags {
				if f == "green" {
					greens++
				}
			}
			if greens != 1 {
				t.Fatalf("round %d: flags %v, want exactly one green", round, flags)
			}
		}
		w.scanPartnerBodies(t, nil)
	})
}

// TestRegistrationCheckIsNoOracle: a partner's check answers a known and an
// unknown person's e-mail byte for byte alike (free mail, and a company
// address whose domain is known), and registering with either gets the
// same flag and reasons: the contact e-mail contributes only its domain.
func TestRegistrationCheckIsNoOracle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db := storetest.MustOpen(t, engine)
		fixed := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return fixed }
		srv := regServer(t, db)
		w := newRegWorld(t, db, srv.URL, 2)
		ctx := context.Background()
		err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := admin.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: "Vandelay Industries", Domains: []string{"vandelay.example"},
				Country: "US", OwnerPartnerID: w.partners[1].id}); err != nil {
				return err
			}
			for _, email := range []string{"known.person@gmail.com", "art@vandelay.example"} {
				l := leadrouter.Lead{Status: leadrouter.StatusNew, FirstName: "Known", LastName: "Person", Email: email, Company: "Some Company",
					Country: "US", Source: leadrouter.SourceCall, Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "default"}}
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		raw := func(query string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/registrations/check?"+query, nil)
			req.Header.Set("Authorization", "Bearer "+w.partners[0].token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		for _, tt := range []struct{ known, unknown, rest string }{
			{"known.person@gmail.com", "nobody.at.all@gmail.com", ""},
			{"known.person@gmail.com", "nobody.at.all@gmail.com", "&company=Pendant+Publishing&domain=pendant.example"},
			{"art@vandelay.example", "nobody@vandelay.example", ""},
		} {
			ks, kb := raw("contact_email=" + tt.known + tt.rest)
			us, ub := raw("contact_email=" + tt.unknown + tt.rest)
			if ks != http.StatusOK || ks != us || kb != ub {
				t.Errorf("check %s: known %s → %d %s, unknown %s → %d %s", tt.rest, tt.known, ks, kb, tt.unknown, us, ub)
			}
		}
		// Registering: the same flag and reasons for either person.
		var answers []map[string]any
		for i, email := range []string{"known.person@gmail.com", "nobody.at.all@gmail.com"} {
			status, reg := w.as(0)("POST", "/api/v1/registrations", map[string]any{"company": fmt.Sprintf("Kramerica %d", i),
				"domain": fmt.Sprintf("kramerica%d.example", i), "country": "US", "contact_email": email})
			if status != http.StatusCreated {
				t.Fatalf("register with %s: %d %v", email, status, reg)
			}
			answers = append(answers, reg)
		}
		k, u := answers[0], answers[1]
		kr, _ := json.Marshal(k["reasons"])
		ur, _ := json.Marshal(u["reasons"])
		if k["flag"] != u["flag"] || k["status"] != u["status"] || string(kr) != string(ur) {
			t.Errorf("registering: known → %v %v %s, unknown → %v %v %s", k["flag"], k["status"], kr, u["flag"], u["status"], ur)
		}
	})
}
