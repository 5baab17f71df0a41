package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

func TestRegistrationFlags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		if pg := berlin.Get("/portal/registrations"); pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Register a prospect") {
			t.Fatalf("registrations: %d\n%s", pg.Status, pg.Body)
		}
		green := berlin.Post("/portal/registrations", url.Values{"company": {"Nordlicht Software GmbH"}, "domain": {"nordlicht.example"}, "country": {"DE"}})
		if green.Status != http.StatusCreated || !strings.Contains(green.Body, `flag-green">green</span>`) {
			t.Fatalf("green registration: %d\n%s", green.Status, green.Body)
		}
		// Acme is owned by Austin VAR: red, and Austin's name is not shown.
		red := berlin.Post("/portal/registrations", url.Values{"company": {"Acme Corporation"}, "domain": {"acme.example"}, "country": {"US"}})
		if red.Status != http.StatusCreated || !strings.Contains(red.Body, `flag-red">red</span>`) || strings.Contains(red.Body, "Austin") {
			t.Fatalf("red registration: %d\n%s", red.Status, red.Body)
		}
		bad := berlin.Post("/portal/registrations", url.Values{"company": {""}, "country": {"XX"}})
		if bad.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid registration: %d", bad.Status)
		}
		// Another partner never sees Berlin's registrations.
		munich := tp.MustClient(t)
		munich.MustSignIn("max@munich-erp.example")
		if pg := munich.Get("/portal/registrations"); strings.Contains(pg.Body, "Nordlicht") {
			t.Fatal("Munich sees Berlin's registration")
		}
	})
}

func TestEnquiryChecksDuplicatesFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		c := tp.MustClient(t)
		c.MustSignIn("support@vendor.example")
		form := url.Values{"first_name": {"Cynthia"}, "last_name": {"Russell"}, "email": {"cynthia@popcynthia.example"},
			"company": {"The Pop Cynthia Project"}, "country": {"US"}, "source": {"call"}}
		check := c.Post("/portal/enquiry", form)
		cynthia := tp.Leads["cynthia@popcynthia.example"]
		if check.Status != http.StatusOK || !strings.Contains(check.Body, cynthia.ID) || !strings.Contains(check.Body, `value="submit"`) {
			t.Fatalf("check: %d\n%s", check.Status, check.Body)
		}
		form.Set("step", "submit")
		done := c.Post("/portal/enquiry", form)
		if done.Status != http.StatusOK || !strings.Contains(done.Body, "new response") {
			t.Fatalf("submit duplicate: %d\n%s", done.Status, done.Body)
		}
		fresh := url.Values{"first_name": {"Nina"}, "last_name": {"Neu"}, "email": {"nina@neu-firma.example"}, "company": {"Neu Firma"},
			"country": {"US"}, "source": {"email"}, "step": {"submit"}}
		if pg := c.Post("/portal/enquiry", fresh); pg.Status != http.StatusCreated || !strings.Contains(pg.Body, "A new lead was created") {
			t.Fatalf("submit new: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Get("/portal/leads?q=nina%40neu-firma.example"); !strings.Contains(pg.Body, "Neu Firma") {
			t.Fatal("the new lead is not found by e-mail")
		}
	})
}

func TestAdminPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		c := tp.MustClient(t)
		c.MustSignIn("admin@vendor.example")
		if pg := c.Post("/portal/admin/partners", url.Values{"name": {"Lisbon Data Lda"}, "countries": {"PT"}, "tier": {"silver"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("create partner: %d\n%s", pg.Status, pg.Body)
		}
		list := c.Get("/portal/admin/partners")
		if !strings.Contains(list.Body, "Lisbon Data Lda") {
			t.Fatal("new partner not listed")
		}
		berlinID := tp.IDs.Partners["BERLIN01"]
		if pg := c.Post("/portal/admin/partners/"+berlinID+"/status", url.Values{"status": {"suspended"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Post("/portal/admin/users", url.Values{"name": {"Nia New"}, "email": {"nia@vendor.example"}, "role": {"support"}, "password": {"a-long-password"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("create user: %d\n%s", pg.Status, pg.Body)
		}
		nia := tp.MustClient(t)
		nia.MustSignInWith("nia@vendor.example", "a-long-password")
		if pg := c.Post("/portal/admin/users", url.Values{"name": {"X"}, "email": {"not-an-email"}, "role": {"support"}}); pg.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid user: %d", pg.Status)
		}
		if pg := c.Get("/portal/admin/routing"); pg.Status != http.StatusOK || !strings.Contains(pg.Body, "rules") {
			t.Fatalf("routing: %d\n%s", pg.Status, pg.Body)
		}
		ex := c.Post("/portal/admin/routing/explain", url.Values{"email": {"x@brandnew.example"}, "last_name": {"X"}, "company": {"Brand New"}, "country": {"BE"}, "source": {"web_form"}})
		if ex.Status != http.StatusOK || !strings.Contains(ex.Body, "<dt>Rule</dt><dd>international</dd>") || regexp.MustCompile(`<dd>[^<]*(ptr|usr)_`).MatchString(ex.Body) {
			t.Fatalf("explain (the rule, and its owner by name): %d\n%s", ex.Status, ex.Body)
		}
		if pg := c.Get("/portal/admin/routing"); !strings.Contains(pg.Body, "Admin") || strings.Contains(pg.Body, "<td>usr_") {
			t.Fatalf("the policy's history names its authors:\n%s", pg.Body)
		}
		for _, path := range []string{"/portal/admin/reassignments", "/portal/handoffs", "/portal/approvals", "/portal/admin/users"} {
			if pg := c.Get(path); pg.Status != http.StatusOK {
				t.Errorf("GET %s: %d", path, pg.Status)
			}
		}
	})
}

// TestLeadFormsListEveryProblem: a refused form on the lead page comes
// back as the lead page with every offending field listed at once, not an
// error page with one message.
func TestLeadFormsListEveryProblem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		cynthia := tp.Leads["cynthia@popcynthia.example"]
		c := tp.MustClient(t)
		c.MustSignIn("admin@vendor.example")
		c.Get("/portal/leads/" + cynthia.ID)
		long := strings.Repeat("x", 5000)
		pg := c.Post("/portal/leads/"+cynthia.ID+"/qualify", url.Values{"note": {long}})
		if pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, `id="timeline"`) ||
			!strings.Contains(pg.Body, "<strong>consent_share</strong>") || !strings.Contains(pg.Body, "<strong>note</strong>") {
			t.Fatalf("qualify with two problems: %d\n%s", pg.Status, pg.Body)
		}
	})
}
