package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// partnerOwnedLeads returns the demo leads routed to a partner, by e-mail.
func (tp *testPortal) partnerOwnedLeads() []leadrouter.Lead {
	var emails []string
	for email, l := range tp.Leads {
		if l.Owner.Kind == leadrouter.OwnerPartner {
			emails = append(emails, email)
		}
	}
	sort.Strings(emails)
	out := make([]leadrouter.Lead, len(emails))
	for i, email := range emails {
		out[i] = tp.Leads[email]
	}
	return out
}

// mustLead reads a lead as the system.
func (tp *testPortal) mustLead(tb testing.TB, id string) leadrouter.Lead {
	tb.Helper()
	ctx := context.Background()
	var l leadrouter.Lead
	if err := tp.DB.View(ctx, func(tx *store.Tx) (err error) {
		l, err = tx.Lead(ctx, leadrouter.System, id)
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return l
}

// resolveForm returns the owner <select> of the queue's form for the
// request of leadID.
func resolveForm(tb testing.TB, body, leadID string) string {
	tb.Helper()
	row := regexp.MustCompile(`(?s)<tr id="r_[a-z0-9_]+"><td><a href="/portal/leads/` + regexp.QuoteMeta(leadID) + `">.*?</select>`).FindString(body)
	if row == "" {
		tb.Fatalf("no resolve form for %s in\n%s", leadID, body)
	}
	return row
}

// TestReassignmentOwnerChoices: the admin's resolve form offers the sales
// users and every active partner with its users, grouped by partner,
// leaving out the partner giving the lead up and suspended partners; the
// form's POST (with its CSRF token) names a partner's user or a partner.
func TestReassignmentOwnerChoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		leads := tp.partnerOwnedLeads()
		if len(leads) < 2 {
			t.Fatalf("the demo data has %d partner-owned leads, want 2", len(leads))
		}
		support := tp.MustClient(t)
		support.MustSignIn("support@vendor.example")
		for _, l := range leads[:2] {
			support.Get("/portal/leads/" + l.ID)
			if pg := support.Post("/portal/leads/"+l.ID+"/reassignment", url.Values{"reason": {"The partner phoned: no capacity"}}); pg.Status != http.StatusSeeOther {
				t.Fatalf("ask for reassignment of %s: %d\n%s", l.ID, pg.Status, pg.Body)
			}
		}
		admin := tp.MustClient(t)
		admin.MustSignIn("admin@vendor.example")
		toronto := tp.IDs.Partners[demo.PIDToronto]
		if pg := admin.Post("/portal/admin/partners/"+toronto+"/status", url.Values{"status": {"suspended"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("suspend Toronto: %d\n%s", pg.Status, pg.Body)
		}

		// A partner other than the one giving each lead up, and its user.
		partnerNames := map[string]string{
			tp.IDs.Partners[demo.PIDBerlin]: "Berlin Systems GmbH", tp.IDs.Partners[demo.PIDMunich]: "Munich ERP AG",
			tp.IDs.Partners[demo.PIDBrussels]: "Brussels IT BV", tp.IDs.Partners[demo.PIDAustin]: "Austin VAR LLC",
		}
		userOf := map[string]string{
			tp.IDs.Partners[demo.PIDBerlin]: "anna@berlin-systems.example", tp.IDs.Partners[demo.PIDMunich]: "max@munich-erp.example",
			tp.IDs.Partners[demo.PIDBrussels]: "eva@brussels-it.example", tp.IDs.Partners[demo.PIDAustin]: "amy@austin-var.example",
		}
		other := func(givingUp string) string {
			for _, pid := range []string{demo.PIDMunich, demo.PIDBerlin} {
				if id := tp.IDs.Partners[pid]; id != givingUp {
					return id
				}
			}
			panic("unreachable")
		}

		queue := admin.Get("/portal/admin/reassignments")
		if queue.Status != http.StatusOK {
			t.Fatalf("queue: %d\n%s", queue.Status, queue.Body)
		}
		for _, l := range leads[:2] {
			form := resolveForm(t, queue.Body, l.ID)
			if !strings.Contains(form, `<optgroup label="Vendor sales">`) || !strings.Contains(form, `value="`+tp.IDs.Users["sales@vendor.example"]+`"`) {
				t.Fatalf("%s: no sales users in\n%s", l.ID, form)
			}
			for id, name := range partnerNames {
				group := `<optgroup label="` + name + `"><option value="` + id + `">`
				user := `value="` + tp.IDs.Users[userOf[id]] + `"`
				if id == l.Owner.PartnerID {
					if strings.Contains(form, group) || strings.Contains(form, user) {
						t.Fatalf("%s: the partner giving it up (%s) is offered in\n%s", l.ID, name, form)
					}
				} else if !strings.Contains(form, group) || !strings.Contains(form, user) {
					t.Fatalf("%s: %s and its user are not offered in\n%s", l.ID, name, form)
				}
			}
			if strings.Contains(form, "Toronto") || strings.Contains(form, tp.IDs.Users["tom@toronto-cloud.example"]) {
				t.Fatalf("%s: the suspended partner is offered in\n%s", l.ID, form)
			}
		}

		reqID := func(leadID string) string {
			m := regexp.MustCompile(`(?s)/portal/leads/` + regexp.QuoteMeta(leadID) + `">.*?action="/portal/admin/reassignments/([^/"]+)/resolve"`).FindStringSubmatch(queue.Body)
			if m == nil {
				t.Fatalf("no request for %s", leadID)
			}
			return m[1]
		}
		// The first goes to another partner's user, the second to another
		// partner; a POST without the CSRF token changes nothing.
		first, second := leads[0], leads[1]
		firstOwner := other(first.Owner.PartnerID)
		userID := tp.IDs.Users[userOf[firstOwner]]
		if pg := admin.Post("/portal/admin/reassignments/"+reqID(first.ID)+"/resolve", url.Values{"owner_id": {userID}, "csrf": {""}}); pg.Status != http.StatusForbidden {
			t.Fatalf("resolve without CSRF: %d", pg.Status)
		}
		if l := tp.mustLead(t, first.ID); l.Owner != first.Owner {
			t.Fatalf("owner after a refused POST: %+v", l.Owner)
		}
		pg := admin.Post("/portal/admin/reassignments/"+reqID(first.ID)+"/resolve", url.Values{"owner_id": {userID}})
		if pg.Status != http.StatusSeeOther || pg.Location != "/portal/admin/reassignments?done=reassign_resolved" {
			t.Fatalf("resolve naming a partner's user: %d %q\n%s", pg.Status, pg.Location, pg.Body)
		}
		want := leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: userID, PartnerID: firstOwner}
		if l := tp.mustLead(t, first.ID); l.Owner != want || l.RoutedRule != lifecycle.RuleNamedByAdmin {
			t.Fatalf("lead after naming a partner's user: owner %+v, rule %q; want %+v", l.Owner, l.RoutedRule, want)
		}
		secondOwner := other(second.Owner.PartnerID)
		if pg := admin.Post("/portal/admin/reassignments/"+reqID(second.ID)+"/resolve", url.Values{"owner_id": {secondOwner}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("resolve naming a partner: %d\n%s", pg.Status, pg.Body)
		}
		want = leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: secondOwner, PartnerID: secondOwner}
		if l := tp.mustLead(t, second.ID); l.Owner != want {
			t.Fatalf("lead after naming a partner: owner %+v, want %+v", l.Owner, want)
		}
		if pg := admin.Get("/portal/admin/reassignments?done=reassign_resolved"); !strings.Contains(pg.Body, "No open reassignment requests.") {
			t.Fatalf("queue after resolving both:\n%s", pg.Body)
		}
	})
}
