package portal_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/portal"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

func TestNewRequiresDB(t *testing.T) {
	if _, err := portal.New(portal.Config{}); err == nil {
		t.Fatal("New without a database succeeded")
	}
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)

		t.Run("unauthenticated is sent to the sign-in page", func(t *testing.T) {
			c := tp.MustClient(t)
			pg := c.Get("/portal/leads?q=x%40y.example")
			if pg.Status != http.StatusSeeOther || pg.Location != "/portal/login?next=%2Fportal%2Fleads%3Fq%3Dx%2540y.example" {
				t.Fatalf("got %d %q", pg.Status, pg.Location)
			}
			if pg := c.Get("/portal"); pg.Status != http.StatusSeeOther || pg.Location != "/portal/login" {
				t.Fatalf("GET /portal: %d %q", pg.Status, pg.Location)
			}
		})

		t.Run("form, cookie and session", func(t *testing.T) {
			c := tp.MustClient(t)
			form := c.Get("/portal/login")
			if form.Status != http.StatusOK || !strings.Contains(form.Body, `<label for="password">Password</label>`) {
				t.Fatalf("login form: %d\n%s", form.Status, form.Body)
			}
			pg := c.Post("/portal/login", url.Values{"email": {"Anna@Berlin-Systems.example"}, "password": {demo.Password}})
			if pg.Status != http.StatusSeeOther || pg.Location != "/portal" {
				t.Fatalf("sign in: %d %q", pg.Status, pg.Location)
			}
			var session *http.Cookie
			for _, ck := range pg.Cookies {
				if ck.Name == "lr_session" {
					session = ck
				}
			}
			if session == nil {
				t.Fatal("no lr_session cookie")
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/portal" || session.Secure || session.MaxAge != 12*3600 {
				t.Fatalf("cookie %+v", session)
			}
			home := c.Get("/portal")
			if home.Status != http.StatusOK || !strings.Contains(home.Body, "Berlin Systems GmbH") {
				t.Fatalf("home: %d\n%s", home.Status, home.Body)
			}
			out := c.Post("/portal/logout", nil)
			if out.Status != http.StatusSeeOther || out.Location != "/portal/login" {
				t.Fatalf("logout: %d %q", out.Status, out.Location)
			}
			if pg := c.Get("/portal/dashboard"); pg.Status != http.StatusSeeOther {
				t.Fatalf("after logout: %d", pg.Status)
			}
		})

		t.Run("wrong password", func(t *testing.T) {
			c := tp.MustClient(t)
			c.Get("/portal/login")
			pg := c.Post("/portal/login", url.Values{"email": {"anna@berlin-systems.example"}, "password": {"wrong-password"}})
			if pg.Status != http.StatusUnauthorized || !strings.Contains(pg.Body, "Wrong e-mail or password.") {
				t.Fatalf("got %d\n%s", pg.Status, pg.Body)
			}
			for _, ck := range pg.Cookies {
				if ck.Name == "lr_session" {
					t.Fatal("a session cookie was set")
				}
			}
		})

		t.Run("failed sign-ins are throttled per account", func(t *testing.T) {
			c := tp.MustClient(t)
			c.Get("/portal/login")
			for i := 0; i < 10; i++ {
				if pg := c.Post("/portal/login", url.Values{"email": {"support@vendor.example"}, "password": {"guess" + strconv.Itoa(i)}}); pg.Status != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d", i, pg.Status)
				}
			}
			// Even the right password waits now.
			pg := c.Post("/portal/login", url.Values{"email": {"Support@Vendor.example"}, "password": {demo.Password}})
			if pg.Status != http.StatusTooManyRequests || pg.Header.Get("Retry-After") == "" || !strings.Contains(pg.Body, "Too many failed sign-ins") {
				t.Fatalf("after 10 failures: %d %q\n%s", pg.Status, pg.Header.Get("Retry-After"), pg.Body)
			}
			// Another account from the same address is not affected.
			other := tp.MustClient(t)
			other.MustSignIn("anna@berlin-systems.example")
		})

		t.Run("sign-in without CSRF token is 403", func(t *testing.T) {
			c := tp.MustClient(t)
			c.Get("/portal/login")
			pg := c.Post("/portal/login", url.Values{"csrf": {""}, "email": {"anna@berlin-systems.example"}, "password": {demo.Password}})
			if pg.Status != http.StatusForbidden {
				t.Fatalf("got %d", pg.Status)
			}
			// A token without its cookie (another browser's) is refused too.
			other := tp.MustClient(t)
			pg = other.Post("/portal/login", url.Values{"csrf": {c.csrf}, "email": {"anna@berlin-systems.example"}, "password": {demo.Password}})
			if pg.Status != http.StatusForbidden {
				t.Fatalf("token without cookie: %d", pg.Status)
			}
		})

		t.Run("cross-origin POST is 403", func(t *testing.T) {
			c := tp.MustClient(t)
			c.MustSignIn("anna@berlin-systems.example")
			req, _ := http.NewRequest(http.MethodPost, tp.URL+"/portal/logout", strings.NewReader("csrf="+url.QueryEscape(c.csrf)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if pg := c.do(req); pg.Status != http.StatusForbidden {
				t.Fatalf("got %d", pg.Status)
			}
		})
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		partner := tp.MustClient(t)
		partner.MustSignIn("anna@berlin-systems.example")
		admin := tp.MustClient(t)
		admin.MustSignIn("admin@vendor.example")
		anonymous := tp.MustClient(t)
		for _, tc := range []struct {
			name string
			c    *client
			path string
			csrf string
		}{
			{"registration without token", partner, "/portal/registrations", ""},
			{"registration with a wrong token", partner, "/portal/registrations", "c_wrong"},
			{"registration with another session's token", partner, "/portal/registrations", admin.csrf},
			{"logout without token", partner, "/portal/logout", ""},
			{"partner create without token", admin, "/portal/admin/partners", ""},
			{"user create with wrong token", admin, "/portal/admin/users", "nope"},
			{"no session at all", anonymous, "/portal/registrations", "whatever"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				pg := tc.c.Post(tc.path, url.Values{"csrf": {tc.csrf}, "company": {"Nope Ltd"}, "name": {"Nope"}, "email": {"n@nope.example"}, "role": {"support"}})
				if pg.Status != http.StatusForbidden {
					t.Fatalf("got %d\n%s", pg.Status, pg.Body)
				}
			})
		}
		// Nothing was created by the refused admin POSTs.
		if pg := admin.Get("/portal/admin/partners"); strings.Contains(pg.Body, ">Nope<") {
			t.Fatal("a partner was created without a valid token")
		}
		// The session is still alive after the refused logout.
		if pg := partner.Get("/portal/dashboard"); pg.Status != http.StatusOK {
			t.Fatalf("dashboard: %d", pg.Status)
		}
	})
}

func TestRoleHomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		for _, tc := range []struct {
			email, want string
			nav         []string
		}{
			{"anna@berlin-systems.example", "<h1>Dashboard</h1>", []string{"/portal/links", "/portal/registrations", "/portal/opportunities"}},
			{"support@vendor.example", "<h1>Search</h1>", []string{"/portal/enquiry"}},
			{"sales1@vendor.example", "<h1>Leads</h1>", []string{"/portal/enquiry"}},
			{"pam@vendor.example", "<h1>Hand-off queue</h1>", []string{"/portal/handoffs"}},
			{"relations@vendor.example", "<h1>Approvals</h1>", []string{"/portal/approvals"}},
			{"admin@vendor.example", "<h1>Partners</h1>", []string{"/portal/admin/users", "/portal/admin/reassignments", "/portal/admin/routing"}},
		} {
			t.Run(tc.email, func(t *testing.T) {
				c := tp.MustClient(t)
				c.MustSignIn(tc.email)
				pg := c.Get("/portal")
				if pg.Status != http.StatusOK || !strings.Contains(pg.Body, tc.want) {
					t.Fatalf("home: %d, want %q\n%s", pg.Status, tc.want, pg.Body)
				}
				for _, href := range tc.nav {
					if !strings.Contains(pg.Body, `href="`+href+`"`) {
						t.Errorf("nav lacks %s", href)
					}
				}
			})
		}
	})
}

func TestRolesAreEnforced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		partner := tp.MustClient(t)
		partner.MustSignIn("anna@berlin-systems.example")
		for _, path := range []string{"/portal/admin/partners", "/portal/admin/users", "/portal/admin/routing", "/portal/enquiry", "/portal/handoffs", "/portal/approvals"} {
			if pg := partner.Get(path); pg.Status != http.StatusForbidden {
				t.Errorf("partner GET %s: %d", path, pg.Status)
			}
		}
		support := tp.MustClient(t)
		support.MustSignIn("support@vendor.example")
		for _, path := range []string{"/portal/admin/partners", "/portal/dashboard", "/portal/links", "/portal/registrations"} {
			if pg := support.Get(path); pg.Status != http.StatusForbidden {
				t.Errorf("support GET %s: %d", path, pg.Status)
			}
		}
		if pg := support.Post("/portal/admin/partners", url.Values{"name": {"Sneaky"}}); pg.Status != http.StatusForbidden {
			t.Errorf("support POST partner: %d", pg.Status)
		}
	})
}

func TestPartnerIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		pieter := tp.Leads["pieter@brugge-logistics.example"] // routed to Brussels IT, no consent
		chip := tp.Leads["chip@beauty.example"]               // reserved for Austin VAR by its PID
		if pieter.Owner.PartnerID != tp.IDs.Partners[demo.PIDBrussels] || chip.ReservedPartnerID != tp.IDs.Partners[demo.PIDAustin] {
			t.Fatalf("unexpected routing: pieter %+v, chip reserved %q", pieter.Owner, chip.ReservedPartnerID)
		}

		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		if pg := berlin.Get("/portal/leads/" + pieter.ID); pg.Status != http.StatusNotFound || strings.Contains(pg.Body, "Brugge") {
			t.Fatalf("another partner's lead: %d\n%s", pg.Status, pg.Body)
		}
		if pg := berlin.Get("/portal/leads/lead_does_not_exist"); pg.Status != http.StatusNotFound {
			t.Fatalf("missing lead: %d", pg.Status)
		}
		list := berlin.Get("/portal/leads")
		if strings.Contains(list.Body, pieter.ID) || strings.Contains(list.Body, chip.ID) {
			t.Fatal("Berlin's lead list shows other partners' leads")
		}
		if pg := berlin.Get("/portal/leads?q=" + url.QueryEscape(pieter.Email)); strings.Contains(pg.Body, pieter.ID) {
			t.Fatal("Berlin found another partner's lead by e-mail")
		}

		brussels := tp.MustClient(t)
		brussels.MustSignIn("eva@brussels-it.example")
		pg := brussels.Get("/portal/leads/" + pieter.ID)
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Brugge Logistics NV") {
			t.Fatalf("own lead: %d\n%s", pg.Status, pg.Body)
		}
		for _, pii := range []string{pieter.Email, "Pieter", "Janssens"} {
			if strings.Contains(pg.Body, pii) {
				t.Errorf("lead page without consent shows %q", pii)
			}
		}
		if !strings.Contains(pg.Body, "withheld") {
			t.Error("lead page does not say the contact is withheld")
		}
		if list := brussels.Get("/portal/leads"); !strings.Contains(list.Body, pieter.ID) || strings.Contains(list.Body, pieter.Email) {
			t.Errorf("Brussels' list: want the lead, redacted\n%s", list.Body)
		}

		austin := tp.MustClient(t)
		austin.MustSignIn("amy@austin-var.example")
		pg = austin.Get("/portal/leads/" + chip.ID)
		if pg.Status != http.StatusOK || strings.Contains(pg.Body, chip.Email) || strings.Contains(pg.Body, "Potts") {
			t.Fatalf("reserved lead (consent, not handed off) must be redacted: %d\n%s", pg.Status, pg.Body)
		}

		// A DE lead with consent routed to a DE partner shows its contact.
		for _, email := range []string{"jonas@kaffee-haus.example", "lena@vogel-bau.example"} {
			l := tp.Leads[email]
			if l.Owner.PartnerID != tp.IDs.Partners[demo.PIDBerlin] {
				continue
			}
			if pg := berlin.Get("/portal/leads/" + l.ID); pg.Status != http.StatusOK || !strings.Contains(pg.Body, l.Email) {
				t.Errorf("routed lead with consent: %d, want %s shown", pg.Status, l.Email)
			}
		}

		// Staff see everything.
		support := tp.MustClient(t)
		support.MustSignIn("support@vendor.example")
		if pg := support.Get("/portal/leads/" + pieter.ID); pg.Status != http.StatusOK || !strings.Contains(pg.Body, pieter.Email) {
			t.Fatalf("support: %d", pg.Status)
		}
	})
}

func TestOpenRedirect(t *testing.T) {
	tp := MustStart(t, store.SQLite)
	for _, next := range []string{
		"//evil.example", "///evil.example", "https://evil.example/portal", "/\\evil.example", "/portal\\..\\..\\evil.example",
		"/portal/../../evil.example", "/portal/%2e%2e/%2e%2e//evil.example", "/portalx", "javascript:alert(1)",
		"http:/portal", "/%2f%2fevil.example", "portal", "/portal/login",
	} {
		t.Run(next, func(t *testing.T) {
			c := tp.MustClient(t)
			form := c.Get("/portal/login?next=" + url.QueryEscape(next))
			if strings.Contains(form.Body, "evil.example") {
				t.Errorf("the form carries next=%q", next)
			}
			pg := c.Post("/portal/login", url.Values{"email": {"support@vendor.example"}, "password": {demo.Password}, "next": {next}})
			if pg.Status != http.StatusSeeOther || pg.Location != "/portal" {
				t.Fatalf("next=%q: %d %q", next, pg.Status, pg.Location)
			}
			// Signed in, the login page redirects too: still only inside.
			if pg := c.Get("/portal/login?next=" + url.QueryEscape(next)); pg.Location != "/portal" {
				t.Fatalf("signed-in login next=%q: %q", next, pg.Location)
			}
		})
	}
	t.Run("a portal path is kept", func(t *testing.T) {
		c := tp.MustClient(t)
		c.Get("/portal/login?next=" + url.QueryEscape("/portal/leads?q=Acme"))
		pg := c.Post("/portal/login", url.Values{"email": {"support@vendor.example"}, "password": {demo.Password}, "next": {"/portal/leads?q=Acme"}})
		if pg.Location != "/portal/leads?q=Acme" {
			t.Fatalf("got %q", pg.Location)
		}
	})
}

func TestStaticAndTemplates(t *testing.T) {
	tp := MustStart(t, store.SQLite)
	c := tp.MustClient(t)
	pg := c.Get("/portal/static/style.css")
	if pg.Status != http.StatusOK || !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %s", pg.Status, pg.Header.Get("Content-Type"))
	}
	if pg := c.Get("/portal/login"); !strings.Contains(pg.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatal("no content security policy")
	}
	if pg := c.Get("/portal/nope"); pg.Status != http.StatusNotFound {
		t.Fatalf("unknown page: %d", pg.Status)
	}
}
