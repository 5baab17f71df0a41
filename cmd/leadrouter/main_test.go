package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// MustRunMain starts a server on a free port with demo data on dbURL.
func MustRunMain(tb testing.TB, dbURL string) *Main {
	tb.Helper()
	return MustRunMainWith(tb, dbURL, func(*Main) {})
}

// MustRunMainWith is MustRunMain with configure run on the Main before it
// starts.
func MustRunMainWith(tb testing.TB, dbURL string, configure func(*Main)) *Main {
	tb.Helper()
	m := newMain(dbURL, true)
	configure(m)
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		tb.Fatalf("run: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

func token(tb testing.TB, m *Main, email string) string {
	tb.Helper()
	for _, c := range m.DemoCredentials {
		if c.Email == email {
			return c.Token
		}
	}
	tb.Fatalf("no demo user %s", email)
	return ""
}

type apiClient struct {
	t     testing.TB
	base  string
	token string
}

func (c apiClient) do(method, path string, body any, hdr ...string) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		c.t.Errorf("%s %s: %d with content type %q, want problem JSON", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out, resp.Header
}

func TestFoundationOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMain(t, storetest.MustURL(t, engine))
		admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
		sales := apiClient{t, m.URL(), token(t, m, "sales1@vendor.example")}
		anna := apiClient{t, m.URL(), token(t, m, "anna@berlin-systems.example")}
		anon := apiClient{t, m.URL(), ""}

		if code, _, _ := anon.do("GET", "/api/v1/partners", nil); code != 401 {
			t.Fatalf("no token: %d", code)
		}
		if code, _, _ := (apiClient{t, m.URL(), "lr_forged"}).do("GET", "/api/v1/partners", nil); code != 401 {
			t.Fatalf("bad token: %d", code)
		}
		if code, _, _ := sales.do("POST", "/api/v1/partners", map[string]any{"name": "X"}); code != 403 {
			t.Fatalf("sales creating a partner: %d", code)
		}
		code, p, _ := admin.do("POST", "/api/v1/partners", map[string]any{"name": "Lisbon Tech", "countries": []string{"Portugal"}, "tier": "silver", "domains": []string{"lisbon-tech.example"}, "id": "forged", "status": "suspended"})
		if code != 201 || p["pid"] == "" || p["id"] == "forged" || p["status"] != "active" || fmt.Sprint(p["countries"]) != "[PT]" {
			t.Fatalf("create partner: %d %v", code, p)
		}
		pid := p["id"].(string)
		code, u, _ := admin.do("POST", "/api/v1/users", map[string]any{"email": "joao@lisbon-tech.example", "name": "João", "role": "partner", "partner_id": pid, "password": "a long password"})
		if code != 201 || u["token"] == "" {
			t.Fatalf("create user: %d %v", code, u)
		}
		joao := apiClient{t, m.URL(), u["token"].(string)}
		if code, _, _ := joao.do("GET", "/api/v1/partners/"+pid, nil); code != 200 {
			t.Fatalf("partner reading itself: %d", code)
		}
		berlin := m.DemoCredentials[6].PartnerID
		if code, _, _ := joao.do("GET", "/api/v1/partners/"+berlin, nil); code != 404 {
			t.Fatalf("partner reading another partner: %d", code)
		}
		// The link builder: own partner only, site hosts only, escaped HTML.
		code, link, _ := anna.do("GET", "/api/v1/partners/"+berlin+"/links?url="+url.QueryEscape("/pricing?plan=pro&x=\"<b>"), nil)
		if code != 200 || !strings.Contains(link["url"].(string), "pid=BERLIN01") || strings.Contains(link["html"].(string), "<b>") {
			t.Fatalf("link builder: %d %v", code, link)
		}
		if code, _, _ := anna.do("GET", "/api/v1/partners/"+pid+"/links?url=/pricing", nil); code != 404 {
			t.Fatalf("link for another partner: %d", code)
		}
		if code, _, _ := anna.do("GET", "/api/v1/partners/"+berlin+"/links?url="+url.QueryEscape("https://evil.example/x"), nil); code != 422 {
			t.Fatalf("link to another site: %d", code)
		}
		if code, _, _ := anna.do("GET", "/api/v1/partners", nil); code != 403 {
			t.Fatalf("partner listing partners: %d", code)
		}
		code, a, _ := admin.do("POST", "/api/v1/accounts", map[string]any{"name": "Porto Wines", "domains": []string{"porto-wines.example"}, "country": "PT", "owner_partner_id": pid})
		if code != 201 {
			t.Fatalf("create account: %d %v", code, a)
		}
		code, bad, _ := admin.do("POST", "/api/v1/accounts", map[string]any{"name": "", "domains": []string{"not a domain"}, "country": "Atlantis"})
		if code != 422 || len(bad["errors"].([]any)) != 3 {
			t.Fatalf("invalid account: %d %v", code, bad)
		}
		if code, _, _ := admin.do("POST", "/api/v1/accounts", "{not json"); code != 400 {
			t.Fatalf("malformed JSON: %d", code)
		}
		if code, _, _ := admin.do("POST", "/api/v1/accounts", `{"name": "`+strings.Repeat("x", 2<<20)+`"}`); code != 413 {
			t.Fatalf("large body: %d", code)
		}
		// Pagination walks every partner once.
		seen := map[string]bool{}
		cursor := ""
		for i := 0; i < 10; i++ {
			code, page, _ := admin.do("GET", "/api/v1/partners?limit=2&cursor="+cursor, nil)
			if code != 200 {
				t.Fatalf("list: %d", code)
			}
			for _, it := range page["items"].([]any) {
				seen[it.(map[string]any)["id"].(string)] = true
			}
			cursor, _ = page["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if len(seen) != 6 {
			t.Fatalf("paged through %d partners, want 6", len(seen))
		}
		// Suspending through PATCH.
		code, p, _ = admin.do("PATCH", "/api/v1/partners/"+pid, map[string]any{"status": "suspended"})
		if code != 200 || p["status"] != "suspended" {
			t.Fatalf("suspend: %d %v", code, p)
		}
		if code, _, _ := admin.do("PATCH", "/api/v1/partners/"+pid, map[string]any{"status": "gone"}); code != 422 {
			t.Fatalf("bad status: %d", code)
		}
		// Health, metrics, the OpenAPI document naming every route.
		if resp, err := http.Get(m.URL() + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v", err)
		}
		resp, err := http.Get(m.URL() + "/metrics")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("metrics: %v", err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(metrics), "leadrouter_http_requests_total") {
			t.Fatal("metrics lack request counts")
		}
		// The background work the database holds, read when scraped.
		for _, gauge := range []string{"leadrouter_index_lag_leads", "leadrouter_webhook_events_held_back"} {
			if !regexp.MustCompile(`(?m)^` + gauge + ` [0-9]+$`).Match(metrics) {
				t.Errorf("metrics lack %s as a count", gauge)
			}
		}
		_, doc, _ := anon.do("GET", "/api/v1/openapi.json", nil)
		paths := doc["paths"].(map[string]any)
		for _, r := range m.API.Routes() {
			method, path, _ := strings.Cut(r, " ")
			op, ok := paths[path].(map[string]any)
			if !ok || op[strings.ToLower(method)] == nil {
				t.Errorf("OpenAPI lacks %s", r)
			}
		}
	})
}

// form posts a public form as a browser on the site would.
func form(t *testing.T, client *http.Client, base, slug string, values url.Values, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/forms/"+slug, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestReferralToLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMain(t, storetest.MustURL(t, engine))
		support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := browser.Get(m.URL() + "/pricing?utm_source=newsletter&pid=berlin01&utm_medium=email")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/pricing?utm_source=newsletter&utm_medium=email" {
			t.Fatalf("redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The click is counted off the redirect path and flushed in a batch;
		// the partner's dashboard shows it.
		anna := apiClient{t, m.URL(), token(t, m, "anna@berlin-systems.example")}
		berlin := m.DemoCredentials[6].PartnerID
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, stats, _ := anna.do("GET", "/api/v1/partners/"+berlin+"/stats", nil)
			if days, _ := stats["clicks_by_day"].([]any); len(days) == 1 && days[0].(map[string]any)["count"].(float64) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("click not counted: %v", stats)
			}
			time.Sleep(50 * time.Millisecond)
		}
		values := url.Values{"first_name": {"Vera"}, "last_name": {"Visitor"}, "email": {"Vera@Visitor-GmbH.example"}, "company": {"Visitor GmbH"},
			"country": {"Germany"}, "title": {"CFO"}, "consent_share": {"on"}, "website": {""}}
		resp = form(t, browser, m.URL(), "demo-request", values, m.URL())
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/thank-you" {
			t.Fatalf("form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, list, _ := support.do("GET", "/api/v1/leads?email=vera@visitor-gmbh.example", nil)
		items := list["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("leads: %v", list)
		}
		lead := items[0].(map[string]any)
		if lead["credited_pid"] != "BERLIN01" || lead["routed_rule"] != "pid" || lead["reserved_partner_id"] == "" || lead["country"] != "DE" {
			t.Fatalf("lead: %v", lead)
		}
		// The form page carried no campaign parameters: they come from the
		// page the partner's link landed on.
		if utm, _ := lead["utm"].(map[string]any); utm["utm_source"] != "newsletter" || utm["utm_medium"] != "email" {
			t.Errorf("utm: %v", lead["utm"])
		}
		if consent := lead["consent"].(map[string]any); consent["share"] != true || !strings.Contains(consent["text"].(string), "authorised partner") {
			t.Fatalf("consent: %v", consent)
		}
		_, tl, _ := support.do("GET", "/api/v1/leads/"+lead["id"].(string)+"/timeline", nil)
		var types []string
		for _, it := range tl["items"].([]any) {
			types = append(types, it.(map[string]any)["type"].(string))
		}
		for _, want := range []string{"touch", "lead_created", "routed", "nurture_enrolled", "consent"} {
			if !strings.Contains(strings.Join(types, ","), want) {
				t.Errorf("timeline %v lacks %s", types, want)
			}
		}
		// The same person again: one lead, a response.
		form(t, browser, m.URL(), "demo-request", values, m.URL())
		_, list, _ = support.do("GET", "/api/v1/leads?email=vera@visitor-gmbh.example", nil)
		if n := len(list["items"].([]any)); n != 1 || list["items"].([]any)[0].(map[string]any)["responses"].(float64) != 2 {
			t.Fatalf("second fill: %v", list)
		}
		// A tampered cookie credits nothing.
		u, _ := url.Parse(m.URL())
		for _, c := range jar.Cookies(u) {
			if c.Name == "lr_ref" {
				c.Value = c.Value[:len(c.Value)-2] + "xx"
				jar.SetCookies(u, []*http.Cookie{c})
			}
		}
		values.Set("email", "tampered@other.example")
		form(t, browser, m.URL(), "demo-request", values, m.URL())
		_, list, _ = support.do("GET", "/api/v1/leads?email=tampered@other.example", nil)
		if l := list["items"].([]any)[0].(map[string]any); l["credited_pid"] != "" {
			t.Fatalf("tampered cookie credited: %v", l)
		}
		// The honeypot and a cross-site post store nothing.
		values.Set("email", "bot@spam.example")
		values.Set("website", "http://spam.example")
		if resp := form(t, browser, m.URL(), "demo-request", values, m.URL()); resp.StatusCode != 303 {
			t.Fatalf("honeypot answer: %d", resp.StatusCode)
		}
		values.Set("website", "")
		values.Set("email", "csrf@victim.example")
		if resp := form(t, browser, m.URL(), "demo-request", values, "https://evil.example"); resp.StatusCode != 403 {
			t.Fatalf("cross-site post: %d", resp.StatusCode)
		}
		for _, email := range []string{"bot@spam.example", "csrf@victim.example"} {
			_, list, _ = support.do("GET", "/api/v1/leads?email="+email, nil)
			if n := len(list["items"].([]any)); n != 0 {
				t.Fatalf("%s stored", email)
			}
		}
		// Bad input: problem JSON listing the fields.
		req, _ := http.NewRequest("POST", m.URL()+"/forms/demo-request", strings.NewReader("email=nope&country=Narnia"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, _ = http.DefaultClient.Do(req)
		var prob map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&prob)
		resp.Body.Close()
		if resp.StatusCode != 422 || len(prob["errors"].([]any)) < 2 {
			t.Fatalf("bad form: %d %v", resp.StatusCode, prob)
		}
	})
}

func TestStaffCaptureIdempotencyAndMatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMain(t, storetest.MustURL(t, engine))
		support := apiClient{t, m.URL(), token(t, m, "support@vendor.example")}
		body := map[string]any{"first_name": "Ida", "last_name": "Empotent", "email": "ida@acme.example", "company": "ACME Corp.", "country": "US", "source": "call"}
		var wg sync.WaitGroup
		ids := make(chan string, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out, _ := support.do("POST", "/api/v1/leads", body, "Idempotency-Key", "call-123")
				if code != 201 {
					t.Errorf("capture: %d %v", code, out)
					return
				}
				ids <- out["lead"].(map[string]any)["id"].(string)
			}()
		}
		wg.Wait()
		close(ids)
		distinct := map[string]bool{}
		for id := range ids {
			distinct[id] = true
		}
		if len(distinct) != 1 {
			t.Fatalf("one key made %d leads", len(distinct))
		}
		// ACME is owned by Austin VAR: the lead went to it, matched by domain.
		_, list, _ := support.do("GET", "/api/v1/leads?email=ida@acme.example", nil)
		l := list["items"].([]any)[0].(map[string]any)
		if l["routed_rule"] != "account-owner" || l["owner"].(map[string]any)["kind"] != "partner" {
			t.Fatalf("acme lead: %v", l)
		}
		code, matches, _ := support.do("GET", "/api/v1/matches?email=IDA@acme.example&company=Acme+Corporation", nil)
		if code != 200 {
			t.Fatalf("matches: %d %v", code, matches)
		}
		kinds := map[string]bool{}
		for _, it := range matches["items"].([]any) {
			kinds[it.(map[string]any)["kind"].(string)] = true
		}
		if !kinds["lead"] || !kinds["account"] {
			t.Fatalf("matches: %v", matches)
		}
		// The domain alone, a subdomain of it, or an e-mail without a
		// company finds the account (.example is not on the public-suffix
		// list: its last label counts as the suffix).
		for _, q := range []string{"domain=acme.example", "domain=emea.acme.example", "email=zzz@acme.example"} {
			code, matches, _ := support.do("GET", "/api/v1/matches?"+q, nil)
			found := false
			for _, it := range matches["items"].([]any) {
				found = found || it.(map[string]any)["kind"] == "account"
			}
			if code != 200 || !found {
				t.Errorf("matches?%s: %d %v", q, code, matches)
			}
		}
		// A subdomain e-mail finds the account too.
		code, out, _ := support.do("POST", "/api/v1/leads", map[string]any{"last_name": "Sub", "email": "x@emea.acme.example", "country": "DE"})
		if code != 201 || out["decision"].(map[string]any)["rule"] != "account-owner" {
			t.Fatalf("subdomain: %d %v", code, out)
		}
		code, out, _ = support.do("POST", "/api/v1/leads", map[string]any{"email": "bad", "country": "Narnia", "source": "pigeon", "status": "converted"})
		if code != 422 || len(out["errors"].([]any)) < 3 {
			t.Fatalf("invalid lead: %d %v", code, out)
		}
	})
}

// TestRoundRobinAcrossProcesses sends 100 German leads, 40 of them
// concurrently and spread over two server instances on one database, then
// restarts and checks the split stays fair.
func TestRoundRobinAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		dbURL := storetest.MustURL(t, engine)
		a := MustRunMain(t, dbURL)
		// Same database: the demo seed is skipped and new tokens printed,
		// revoking a's (tokens live in the database: b's work on both).
		b := MustRunMain(t, dbURL)
		ca := apiClient{t, a.URL(), token(t, b, "support@vendor.example")}
		cb := apiClient{t, b.URL(), token(t, b, "support@vendor.example")}
		counts := map[string]int{}
		var mu sync.Mutex
		send := func(c apiClient, i int) {
			code, out, _ := c.do("POST", "/api/v1/leads", map[string]any{"last_name": "Müller", "email": fmt.Sprintf("m%d@firma%d.example", i, i), "country": "DE"})
			if code != 201 {
				t.Errorf("lead %d: %d %v", i, code, out)
				return
			}
			mu.Lock()
			counts[out["lead"].(map[string]any)["owner"].(map[string]any)["id"].(string)]++
			mu.Unlock()
		}
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if i%2 == 0 {
					send(ca, i)
				} else {
					send(cb, i)
				}
			}(i)
		}
		wg.Wait()
		for i := 40; i < 70; i++ {
			send(ca, i)
		}
		b.Close()
		a.Close()
		c := MustRunMain(t, dbURL)
		cc := apiClient{t, c.URL(), token(t, c, "support@vendor.example")}
		for i := 70; i < 100; i++ {
			send(cc, i)
		}
		if len(counts) != 2 {
			t.Fatalf("German leads went to %v", counts)
		}
		for owner, n := range counts {
			if n < 49 || n > 51 {
				t.Fatalf("unfair split %v (%s got %d)", counts, owner, n)
			}
		}
	})
}

func TestExplainAgreesWithRouting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		m := MustRunMain(t, storetest.MustURL(t, engine))
		admin := apiClient{t, m.URL(), token(t, m, "admin@vendor.example")}
		for i, lead := range []map[string]any{
			{"last_name": "A", "email": "a@firma-a.example", "country": "DE"},
			{"last_name": "B", "email": "b@firma-b.example", "country": "DE"},
			{"last_name": "C", "email": "c@brugge.example", "country": "BE"},
			{"last_name": "D", "email": "d@rio.example", "country": "BR"},
			{"last_name": "E", "email": "e@x.example", "country": "US", "pid": demo.PIDToronto},
			{"last_name": "F", "email": "f@acme-emea.example", "country": "GB"},
		} {
			code, exp, _ := admin.do("POST", "/api/v1/routing/explain", map[string]any{"lead": lead})
			if code != 200 || len(exp["trace"].([]any)) == 0 {
				t.Fatalf("explain %d: %d %v", i, code, exp)
			}
			code, got, _ := admin.do("POST", "/api/v1/leads", lead)
			if code != 201 {
				t.Fatalf("create %d: %d %v", i, code, got)
			}
			dec := got["decision"].(map[string]any)
			if dec["rule"] != exp["rule"] || fmt.Sprint(dec["owner"]) != fmt.Sprint(exp["owner"]) || dec["reserved_partner_id"] != exp["reserved_partner_id"] {
				t.Fatalf("lead %d: explain said %v/%v, routing did %v/%v", i, exp["rule"], exp["owner"], dec["rule"], dec["owner"])
			}
		}
		// A bad policy is refused with its line.
		code, out, _ := admin.do("PUT", "/api/v1/routing/policy", map[string]any{"policy": "rules:\n  - id: x\n    action: nope\n"})
		if code != 422 || !strings.Contains(fmt.Sprint(out), "line 3") {
			t.Fatalf("bad policy: %d %v", code, out)
		}
		code, out, _ = admin.do("PUT", "/api/v1/routing/policy", map[string]any{"policy": "home_country: DE\nrules:\n  - id: everyone\n    action: assign_queue\n    queue: inside-sales\n"})
		if code != 200 || out["version"].(float64) != 1 {
			t.Fatalf("new policy: %d %v", code, out)
		}
		_, pol, _ := admin.do("GET", "/api/v1/routing/policy", nil)
		if !strings.Contains(pol["policy"].(string), "home_country: DE") || len(pol["history"].([]any)) != 1 {
			t.Fatalf("policy: %v", pol)
		}
	})
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + dir + "/cli.db"
	var out, errOut bytes.Buffer
	ctx := context.Background()
	// The commands and storetest write the timelines with one audit key.
	keyFile, _ := auditPaths(db)
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(storetest.AuditKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"migrate", "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "migration(s) to sqlite") {
		t.Fatalf("migrate: %v %s %s", err, out.String(), errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--role", "admin", "--db", db}, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "lr_") {
		t.Fatalf("token: %v %s", err, out.String())
	}
	tok := strings.TrimSpace(out.String())
	sdb := storetest.MustOpenURL(t, db)
	u, err := sdb.Authenticate(ctx, tok)
	if err != nil || u.Role != leadrouter.RoleAdmin {
		t.Fatalf("token does not authenticate: %v", err)
	}
	var tokens []leadrouter.Token
	if err := sdb.View(ctx, func(tx *store.Tx) error {
		tokens, err = tx.Tokens(ctx, u.ID)
		return err
	}); err != nil || len(tokens) != 1 {
		t.Fatalf("tokens of the new user: %v %v", tokens, err)
	}
	sdb.Close()
	out.Reset()
	if err := run(ctx, []string{"token", "revoke", tokens[0].ID, "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "revoked "+tokens[0].ID) {
		t.Fatalf("token revoke: %v %s %s", err, out.String(), errOut.String())
	}
	sdb = storetest.MustOpenURL(t, db)
	if _, err := sdb.Authenticate(ctx, tok); err == nil {
		t.Fatal("a revoked token authenticates")
	}
	sdb.Close()
	if err := run(ctx, []string{"token", "revoke", "tok_nope", "--db", db}, nil, &out, &errOut); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
	if err := run(ctx, []string{"token", "create", "--role", "wizard", "--db", db}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown role accepted")
	}
	// export --partner takes the partner's id or its PID; anything else
	// is an error, not an empty file.
	sdb = storetest.MustOpenURL(t, db)
	var partner leadrouter.Partner
	if err := sdb.Update(ctx, func(tx *store.Tx) error {
		var err error
		partner, err = adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Export GmbH", Countries: []string{"DE"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	for _, who := range []string{partner.ID, string(partner.PID), strings.ToLower(string(partner.PID))} {
		out.Reset()
		if err := run(ctx, []string{"export", "leads", "--partner", who, "--db", db}, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "id,status,") {
			t.Errorf("export --partner %s: %v %q", who, err, out.String())
		}
	}
	if err := run(ctx, []string{"export", "opportunities", "--partner", "nope", "--db", db}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "no partner") {
		t.Errorf("export --partner nope: %v", err)
	}
	if err := run(ctx, []string{"token", "create", "--role", "partner", "--partner", "nope", "--db", db}, nil, &out, &errOut); err == nil {
		t.Error("a partner token for an unknown partner was created")
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--db", db}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "verified") {
		t.Fatalf("audit: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"policy", "default"}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "id: account-owner") {
		t.Fatalf("policy default: %v", err)
	}
}
