package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/conflict"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/portal"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// testPortal is a portal on a fresh store seeded with the demo vendor and
// its sample leads, served by httptest the way end-to-end tests do.
type testPortal struct {
	URL   string
	DB    *store.DB
	IDs   demo.IDs
	Leads map[string]leadrouter.Lead // by e-mail
	// Reads is the portal's read log (flushed by the tests that look).
	Reads *store.ReadLog
	// Intake captures leads as the site would.
	Intake *intake.Service
	// Lifecycle is the portal's lifecycle service.
	Lifecycle *lifecycle.Service
}

// MustStart seeds a database of engine and serves the portal on it.
func MustStart(tb testing.TB, engine store.Engine) *testPortal {
	tb.Helper()
	ctx := context.Background()
	notifier := &notify.Notifier{PortalURL: "https://leads.vendor.example"}
	db := storetest.MustOpenWith(tb, storetest.MustURL(tb, engine), store.Options{OnEvent: notifier.OnEvent})
	notifier.DB = db
	_, seeded, err := demo.Seed(ctx, db)
	if err != nil || seeded == nil {
		tb.Fatalf("seed demo: %v", err)
	}
	ids := *seeded
	router, err := live.New(ctx, db, nil, "test")
	if err != nil {
		tb.Fatalf("router: %v", err)
	}
	writer := intake.NewWriter(db, 16)
	tb.Cleanup(writer.Close)
	assignments := &assignment.Service{DB: db, Policy: router, Reroute: router.Reroute}
	conflicts := &conflict.Service{DB: db, Policy: router, Assignments: assignments}
	svc := &intake.Service{DB: db, Writer: writer, Router: router, Partners: func(pid string) (string, bool) {
		id, ok := ids.Partners[strings.ToUpper(pid)]
		return id, ok
	}, Assignments: assignments, Conflicts: conflicts}
	if err := demo.SeedForms(ctx, db, ids); err != nil {
		tb.Fatalf("seed forms: %v", err)
	}
	support := leadrouter.Actor{UserID: ids.Users["support@vendor.example"], Name: "Sam Support", Role: leadrouter.RoleSupport}
	leads := map[string]leadrouter.Lead{}
	for _, l := range demo.SampleLeads {
		sub := intake.Submission{FirstName: l.FirstName, LastName: l.LastName, Email: l.Email, Company: l.Company, Country: l.Country,
			Title: l.Title, Source: l.Source, PID: l.PID, Campaign: "demo"}
		if l.Consent {
			yes := true
			sub.ConsentShare, sub.ConsentText = &yes, demo.Forms[0].ConsentText
		}
		res, err := svc.Capture(ctx, support, sub, nil)
		if err != nil {
			tb.Fatalf("capture %s: %v", l.Email, err)
		}
		leads[l.Email] = res.Lead
	}
	reads := store.NewReadLog(db, 0, nil)
	life := &lifecycle.Service{DB: db, Reroute: router.Reroute, Assignments: assignments}
	p, err := portal.New(portal.Config{DB: db, ReadLog: reads, SiteHosts: []string{"www.vendor.example", "127.0.0.1"}, Intake: svc, Router: router,
		Lifecycle:     life,
		Registrations: &registration.Service{DB: db, ExpiryDays: registration.DefaultExpiryDays},
		Notifications: notifier, Conflicts: conflicts, Assignments: assignments})
	if err != nil {
		tb.Fatalf("portal.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/portal/", p.Handler())
	mux.Handle("/portal", p.Handler())
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &testPortal{URL: srv.URL, DB: db, IDs: ids, Leads: leads, Reads: reads, Intake: svc, Lifecycle: life}
}

// client is a browser-like HTTP client with cookies that does not follow
// redirects, so tests see every 303.
type client struct {
	tb   testing.TB
	base string
	http *http.Client
	csrf string
	// lang, if set, is sent as Accept-Language.
	lang string
}

func (tp *testPortal) MustClient(tb testing.TB) *client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{tb: tb, base: tp.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
	Cookies  []*http.Cookie
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) page {
	c.tb.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	pg := page{Status: resp.StatusCode, Body: string(b), Header: resp.Header, Location: resp.Header.Get("Location"), Cookies: resp.Cookies()}
	if m := csrfField.FindStringSubmatch(pg.Body); m != nil {
		c.csrf = m[1]
	}
	return pg
}

func (c *client) Get(path string) page {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// Post submits form; the page's last CSRF token is added unless form sets
// "csrf" (an empty value sends none).
func (c *client) Post(path string, form url.Values) page {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set {
		form.Set("csrf", c.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// MustSignIn signs in through the form as email with the demo password.
func (c *client) MustSignIn(email string) {
	c.tb.Helper()
	c.MustSignInWith(email, demo.Password)
}

// MustSignInWith signs in through the form as email with password.
func (c *client) MustSignInWith(email, password string) {
	c.tb.Helper()
	if pg := c.Get("/portal/login"); pg.Status != http.StatusOK {
		c.tb.Fatalf("GET /portal/login: %d", pg.Status)
	}
	pg := c.Post("/portal/login", url.Values{"email": {email}, "password": {password}})
	if pg.Status != http.StatusSeeOther || pg.Location != "/portal" {
		c.tb.Fatalf("sign in as %s: %d %q\n%s", email, pg.Status, pg.Location, pg.Body)
	}
	c.Get("/portal") // pick up the session's CSRF token
}
