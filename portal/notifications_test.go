package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestInboxAndSettings: a partner user finds the leads assigned to its
// partner in the inbox, marks one read, and switches to German.
func TestInboxAndSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		c := tp.MustClient(t)
		c.MustSignIn("anna@berlin-systems.example")
		pg := c.Get("/portal/notifications")
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "New lead for Berlin Systems GmbH") {
			t.Fatalf("inbox: %d\n%s", pg.Status, pg.Body)
		}
		id := regexp.MustCompile(`/portal/notifications/(ntf_[a-z0-9]+)/read`).FindStringSubmatch(pg.Body)
		if id == nil {
			t.Fatalf("no mark-read form:\n%s", pg.Body)
		}
		if pg := c.Post("/portal/notifications/"+id[1]+"/read", url.Values{}); pg.Status != http.StatusSeeOther {
			t.Fatalf("mark read: %d", pg.Status)
		}
		form := url.Values{"language": {"de"}, string(leadrouter.NotifyLeadAssigned): {"digest"}}
		if pg := c.Post("/portal/settings", form); pg.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Get("/portal/settings"); !strings.Contains(pg.Body, `<option value="digest" selected>`) || !strings.Contains(pg.Body, `<option value="de" selected`) ||
			!strings.Contains(pg.Body, `<html lang="de">`) || !strings.Contains(pg.Body, "Speichern") {
			t.Fatalf("settings not kept, or the portal not in German:\n%s", pg.Body)
		}
		if pg := c.Get("/portal/notifications"); !strings.Contains(pg.Body, "Neuer Lead für Berlin Systems GmbH") {
			t.Fatalf("inbox not in German:\n%s", pg.Body)
		}
		if pg := c.Post("/portal/settings", url.Values{"language": {"fr"}, "time_zone": {"Mars/Olympus"}}); pg.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(pg.Body, "language") || !strings.Contains(pg.Body, "time_zone") {
			t.Fatalf("French and a made-up zone accepted, or not both reported: %d\n%s", pg.Status, pg.Body)
		}
		// Back to the browser's language, dates in New York time.
		if pg := c.Post("/portal/settings", url.Values{"language": {"auto"}, "time_zone": {"America/New_York"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("save settings: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Get("/portal/settings"); !strings.Contains(pg.Body, `<html lang="en">`) || !strings.Contains(pg.Body, `value="America/New_York"`) {
			t.Fatalf("not back to English, or the zone not kept:\n%s", pg.Body)
		}
		c.lang = "de-CH,de;q=0.9,en;q=0.5"
		if pg := c.Get("/portal/settings"); !strings.Contains(pg.Body, `<html lang="de">`) || pg.Header.Get("Content-Language") != "de" {
			t.Fatalf("a German browser is not answered in German:\n%s", pg.Body)
		}
	})
}

// TestConflictsPage: Partner Relations sees the claims of a conflict by
// partner name and gives the lead to the account's owner.
func TestConflictsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		support := leadrouter.Actor{UserID: tp.IDs.Users["support@vendor.example"], Role: leadrouter.RoleSupport}
		res, err := tp.Intake.Capture(context.Background(), support, intake.Submission{LastName: "Coyote", Email: "wile@acme.example",
			Company: "Acme Corporation", Country: "US", PID: demo.PIDBerlin, Source: leadrouter.SourceWebForm}, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := tp.MustClient(t)
		c.MustSignIn("relations@vendor.example")
		if pg := c.Get("/portal/approvals"); !strings.Contains(pg.Body, "Open channel conflicts: 1.") {
			t.Fatalf("the relations queue does not show the conflict:\n%s", pg.Body)
		}
		pg := c.Get("/portal/conflicts")
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Acme Corporation") || !strings.Contains(pg.Body, "Berlin Systems GmbH") ||
			!strings.Contains(pg.Body, "Austin VAR LLC") || !strings.Contains(pg.Body, "account_owner") {
			t.Fatalf("conflicts page: %d\n%s", pg.Status, pg.Body)
		}
		id := regexp.MustCompile(`/portal/conflicts/(cfl_[a-z0-9]+)/resolve`).FindStringSubmatch(pg.Body)
		if id == nil {
			t.Fatal("no resolve form")
		}
		pg = c.Post("/portal/conflicts/"+id[1]+"/resolve", url.Values{"owner_partner_id": {tp.IDs.Partners[demo.PIDAustin]}, "reason": {"Austin's account."}})
		if pg.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d\n%s", pg.Status, pg.Body)
		}
		if l := tp.mustLead(t, res.Lead.ID); l.Owner.PartnerID != tp.IDs.Partners[demo.PIDAustin] {
			t.Fatalf("owner after the resolution: %+v", l.Owner)
		}
		if pg := c.Get("/portal/conflicts"); strings.Contains(pg.Body, "Acme Corporation") {
			t.Fatal("the resolved conflict is still listed as open")
		}
	})
}

// TestPartnerAnswersAndDeals: a partner accepts a lead in the portal,
// its PAM converts it, and the partner reports on the deal and wins it.
func TestPartnerAnswersAndDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		kaffee := tp.Leads["jonas@kaffee-haus.example"]
		email := map[string]string{tp.IDs.Partners[demo.PIDBerlin]: "anna@berlin-systems.example", tp.IDs.Partners[demo.PIDMunich]: "max@munich-erp.example"}[kaffee.Owner.PartnerID]
		c := tp.MustClient(t)
		c.MustSignIn(email)
		pg := c.Get("/portal/assignments")
		if pg.Status != http.StatusOK || !strings.Contains(pg.Body, "Kaffee Haus GmbH") || !strings.Contains(pg.Body, "Jonas Becker") {
			t.Fatalf("assignments: %d\n%s", pg.Status, pg.Body)
		}
		id := regexp.MustCompile(`(?s)Kaffee Haus GmbH.*?/portal/assignments/(asg_[a-z0-9]+)/accept`).FindStringSubmatch(pg.Body)
		if id == nil {
			t.Fatal("no accept form for Kaffee Haus")
		}
		if pg := c.Post("/portal/assignments/"+id[1]+"/accept", url.Values{}); pg.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d\n%s", pg.Status, pg.Body)
		}
		pam := leadrouter.Actor{UserID: tp.IDs.Users["pam@vendor.example"], Role: leadrouter.RolePAM}
		yes := true
		lc := &lifecycle.Service{DB: tp.DB}
		if _, err := lc.Qualify(context.Background(), pam, kaffee.ID, lifecycle.QualifyInput{ConsentShare: &yes, ConsentText: "Yes."}); err != nil {
			t.Fatal(err)
		}
		conv, err := lc.Convert(context.Background(), pam, kaffee.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		opp := conv.Opportunity.ID
		if pg := c.Post("/portal/opportunities/"+opp+"/deal", url.Values{"stage": {"proposal"}, "amount": {"9.999"}, "currency": {"EUR"}}); pg.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad amount: %d", pg.Status)
		}
		if pg := c.Post("/portal/opportunities/"+opp+"/deal", url.Values{"stage": {"proposal"}, "amount": {"12500.00"}, "currency": {"EUR"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("deal: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Get("/portal/opportunities"); !strings.Contains(pg.Body, "proposal · 12500.00 EUR") {
			t.Fatalf("the deal is not shown:\n%s", pg.Body)
		}
		if pg := c.Post("/portal/opportunities/"+opp+"/deal", url.Values{"result": {"won"}, "reason": {"signed"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("close: %d\n%s", pg.Status, pg.Body)
		}
		if pg := c.Get("/portal/opportunities"); !strings.Contains(pg.Body, "· won") {
			t.Fatalf("the closed deal is not shown:\n%s", pg.Body)
		}
	})
}
