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

// extendAction finds the extension forms on a partner's registrations
// page.
var extendAction = regexp.MustCompile(`action="/portal/registrations/(reg_[a-z0-9]+)/extend"`)

// mustRegister registers a prospect through the portal and returns the
// registration's id, read from the partner's list.
func mustRegister(t *testing.T, c *client, company, domain string) string {
	t.Helper()
	pg := c.Post("/portal/registrations", url.Values{"company": {company}, "domain": {domain}, "country": {"DE"}})
	if pg.Status != http.StatusCreated {
		t.Fatalf("register %s: %d\n%s", company, pg.Status, pg.Body)
	}
	m := regexp.MustCompile(`<tr id="(reg_[a-z0-9]+)"><td>` + regexp.QuoteMeta(company) + `</td>`).FindStringSubmatch(pg.Body)
	if m == nil {
		t.Fatalf("no row for %s in\n%s", company, pg.Body)
	}
	return m[1]
}

// TestApprovalsShowPartnerAndConflicts: Partner Relations see the
// registering partner by name and every record the search found (how it
// matched, its score, its effect and who holds it, by name); the partner
// sees none of that.
func TestApprovalsShowPartnerAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		// Lena Vogel's open lead at Vogel Bau belongs to Munich ERP: yellow.
		yellow := berlin.Post("/portal/registrations", url.Values{"company": {"Vogel Bau AG"}, "domain": {"vogel-bau.example"}, "country": {"DE"},
			"contact_email": {"einkauf@vogel-bau.example"}})
		if yellow.Status != http.StatusCreated || !strings.Contains(yellow.Body, `flag-yellow">yellow</span>`) {
			t.Fatalf("yellow registration: %d\n%s", yellow.Status, yellow.Body)
		}
		lead := tp.Leads["lena@vogel-bau.example"]
		for _, secret := range []string{"Munich", lead.ID, "lena@vogel-bau.example", "Vogel</td>", "0.95", tp.IDs.Partners["MUNICH02"]} {
			if strings.Contains(yellow.Body, secret) || strings.Contains(berlin.Get("/portal/registrations").Body, secret) {
				t.Errorf("the partner's page shows %q", secret)
			}
		}

		relations := tp.MustClient(t)
		relations.MustSignIn("relations@vendor.example")
		pg := relations.Get("/portal/approvals")
		if pg.Status != http.StatusOK {
			t.Fatalf("approvals: %d\n%s", pg.Status, pg.Body)
		}
		section := pg.Body[strings.Index(pg.Body, "Vogel Bau AG"):]
		for _, want := range []string{
			"<dt>Partner</dt><dd>Berlin Systems GmbH", // the partner by name
			"einkauf@vogel-bau.example",               // staff see the contact given
			"lead Vogel Bau AG",                       // the record found
			lead.ID,
			"domain, company (certain)",     // how it matched
			`<td class="num">0.95</td>`,     // its score
			"yellow (open_lead)",            // its effect
			"<td>Munich ERP AG</td>",        // its partner's name
			"Partner Relations will review", // what the partner was told
		} {
			if !strings.Contains(section, want) {
				t.Errorf("the approvals page lacks %q:\n%s", want, section)
			}
		}

		// Partners may not open the queue.
		if pg := berlin.Get("/portal/approvals"); pg.Status != http.StatusForbidden {
			t.Errorf("a partner opening approvals: %d", pg.Status)
		}
	})
}

// TestPartnerSeesDecisions: once Partner Relations decide a yellow flag,
// the partner's page shows the status, the decision and its reason instead
// of "Partner Relations will review your registration".
func TestPartnerSeesDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		approveID := mustRegister(t, berlin, "Vogel Bau AG", "vogel-bau.example")
		rejectID := mustRegister(t, berlin, "Beauty Works", "beauty.example")
		if pg := berlin.Get("/portal/registrations"); strings.Count(pg.Body, "Partner Relations will review") < 2 {
			t.Fatalf("pending registrations do not say they will be reviewed:\n%s", pg.Body)
		}

		relations := tp.MustClient(t)
		relations.MustSignIn("relations@vendor.example")
		relations.Get("/portal/approvals")
		// A decision needs a reason: the page says so and nothing changes.
		if pg := relations.Post("/portal/approvals/"+approveID+"/approve", url.Values{"reason": {" "}}); pg.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(pg.Body, "reason") || !strings.Contains(pg.Body, "Vogel Bau AG") {
			t.Fatalf("approve without a reason: %d\n%s", pg.Status, pg.Body)
		}
		if pg := relations.Post("/portal/approvals/"+approveID+"/approve", url.Values{"reason": {"Munich stepped back from Vogel Bau"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", pg.Status, pg.Body)
		}
		if pg := relations.Post("/portal/approvals/"+rejectID+"/reject", url.Values{"reason": {"The vendor works Beauty Works directly <b>now</b>"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", pg.Status, pg.Body)
		}

		pg := berlin.Get("/portal/registrations")
		if strings.Contains(pg.Body, "Partner Relations will review") {
			t.Errorf("decided registrations still say Partner Relations will review them:\n%s", pg.Body)
		}
		for _, want := range []string{
			"<td>approved</td>", "<strong>Approved by Partner Relations</strong>", "Munich stepped back from Vogel Bau",
			"<td>rejected</td>", "<strong>Rejected by Partner Relations</strong>",
			"The vendor works Beauty Works directly &lt;b&gt;now&lt;/b&gt;", // escaped
		} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the registrations page lacks %q:\n%s", want, pg.Body)
			}
		}
		if strings.Contains(pg.Body, "relations@vendor.example") || strings.Contains(pg.Body, "Rita") {
			t.Error("the partner's page names the deciding user")
		}
	})
}

// TestRegistrationExtensions: a partner asks (once, with a reason, through
// a CSRF-protected form) to extend an approved registration; Partner
// Relations see the request with the partner's name and reason and approve
// or refuse it; the partner sees the outcome.
func TestRegistrationExtensions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		grantID := mustRegister(t, berlin, "Nordlicht Software GmbH", "nordlicht.example")
		refuseID := mustRegister(t, berlin, "Kaffee Haus GmbH", "kaffee-haus.example")
		pending := mustRegister(t, berlin, "Vogel Bau AG", "vogel-bau.example")
		pg := berlin.Get("/portal/registrations")
		offered := map[string]bool{}
		for _, m := range extendAction.FindAllStringSubmatch(pg.Body, -1) {
			offered[m[1]] = true
		}
		if !offered[grantID] || !offered[refuseID] || offered[pending] {
			t.Fatalf("extension forms offered for %v (approved: %s, %s; pending: %s)", offered, grantID, refuseID, pending)
		}
		grantExpiry := expiryOf(t, pg.Body, "Nordlicht Software GmbH")

		extend := "/portal/registrations/" + grantID + "/extend"
		if pg := berlin.Post(extend, url.Values{"csrf": {""}, "reason": {"Tender runs into spring"}}); pg.Status != http.StatusForbidden {
			t.Fatalf("extend without a CSRF token: %d", pg.Status)
		}
		if pg := berlin.Post(extend, url.Values{"reason": {""}}); pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, "reason") {
			t.Fatalf("extend without a reason: %d\n%s", pg.Status, pg.Body)
		}
		if pg := berlin.Post("/portal/registrations/"+pending+"/extend", url.Values{"reason": {"Too early"}}); pg.Status != http.StatusConflict {
			t.Fatalf("extend a pending registration: %d\n%s", pg.Status, pg.Body)
		}
		// Another partner's registration does not exist for Munich.
		munich := tp.MustClient(t)
		munich.MustSignIn("max@munich-erp.example")
		munich.Get("/portal/registrations")
		if pg := munich.Post(extend, url.Values{"reason": {"Mine now"}}); pg.Status != http.StatusNotFound || strings.Contains(pg.Body, "Nordlicht") {
			t.Fatalf("another partner extending: %d\n%s", pg.Status, pg.Body)
		}
		berlin.Get("/portal/registrations")
		if pg := berlin.Post(extend, url.Values{"reason": {"Tender runs into spring & <summer>"}}); pg.Status != http.StatusSeeOther ||
			pg.Location != "/portal/registrations?done=extension_asked" {
			t.Fatalf("extend: %d %q\n%s", pg.Status, pg.Location, pg.Body)
		}
		if pg := berlin.Post("/portal/registrations/"+refuseID+"/extend", url.Values{"reason": {"Budget next year"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("extend the second: %d\n%s", pg.Status, pg.Body)
		}
		pg = berlin.Get("/portal/registrations?done=extension_asked")
		if !strings.Contains(pg.Body, "Your extension request was sent to Partner Relations.") || strings.Count(pg.Body, "Asked; waiting for Partner Relations") != 2 ||
			strings.Contains(pg.Body, grantID+"/extend") {
			t.Fatalf("after asking:\n%s", pg.Body)
		}
		if pg := berlin.Post(extend, url.Values{"reason": {"Again"}}); pg.Status != http.StatusConflict {
			t.Fatalf("asking twice: %d", pg.Status)
		}

		relations := tp.MustClient(t)
		relations.MustSignIn("relations@vendor.example")
		pg = relations.Get("/portal/approvals")
		ext := pg.Body[strings.Index(pg.Body, `id="extensions"`):]
		for _, want := range []string{"Nordlicht Software GmbH", "Kaffee Haus GmbH", "<dt>Partner</dt><dd>Berlin Systems GmbH",
			"Tender runs into spring &amp; &lt;summer&gt;", "Budget next year", "/portal/approvals/" + grantID + "/approve",
			"/portal/approvals/" + refuseID + "/reject", "Approve the extension"} {
			if !strings.Contains(ext, want) {
				t.Errorf("the extension queue lacks %q:\n%s", want, ext)
			}
		}
		if pg := relations.Post("/portal/approvals/"+grantID+"/approve", url.Values{"reason": {"Spring tender confirmed"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("approve the extension: %d\n%s", pg.Status, pg.Body)
		}
		if pg := relations.Post("/portal/approvals/"+refuseID+"/reject", url.Values{"reason": {"No activity recorded"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("refuse the extension: %d\n%s", pg.Status, pg.Body)
		}
		if pg := relations.Get("/portal/approvals"); !strings.Contains(pg.Body, "No extension is waiting for a decision.") {
			t.Errorf("decided extensions are still queued:\n%s", pg.Body)
		}

		pg = berlin.Get("/portal/registrations")
		for _, want := range []string{"<strong>Extension approved by Partner Relations</strong>", "Spring tender confirmed", ">Extended<",
			"<strong>Extension refused by Partner Relations</strong>", "No activity recorded", ">Refused<"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the registrations page lacks %q:\n%s", want, pg.Body)
			}
		}
		if strings.Contains(pg.Body, "/extend") {
			t.Errorf("an extension is still offered after the one was decided:\n%s", pg.Body)
		}
		if got := expiryOf(t, pg.Body, "Nordlicht Software GmbH"); got <= grantExpiry {
			t.Errorf("expiry after the extension %q, before %q", got, grantExpiry)
		}
	})
}

// expiryOf reads the Expires cell of company's row ("2006-01-02 15:04").
func expiryOf(t *testing.T, body, company string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr id="reg_[a-z0-9]+"><td>` + regexp.QuoteMeta(company) + `</td>(?s:.*?)<td>(\d{4}-\d\d-\d\d \d\d:\d\d)(?: [A-Za-z0-9+-]+)?</td>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no expiry for %s in\n%s", company, body)
	}
	return m[1]
}
