package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// signOut signs the browser out.
func (b *browser) signOut() {
	b.t.Helper()
	b.Do("sign out", chromedp.Click(css(".signout button")))
	b.Wait("the sign-in page", chromedp.WaitVisible(css("#password")))
}

// text is the visible text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Text(css(sel)))
}

// waitText waits until the first element sel matches holds want (the
// page after a form's redirect).
func (b *browser) waitText(sel, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		last, _ = chromedp.Run(ctx, chromedp.Text(css(sel), chromedp.AtLeast(0)))
		cancel()
		if strings.Contains(last, want) {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s: %q, want it to hold %q", sel, last, want)
	return ""
}

// TestBrowserPAM: a PAM opens a lead reserved for one of their partners,
// qualifies it with the consent wording the page shows (and records),
// converts it, finds its opportunity in the hand-off queue with the
// consent shown, and hands it off to the reserved partner.
func TestBrowserPAM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		support := leadrouter.Actor{UserID: tp.IDs.Users["support@vendor.example"], Role: leadrouter.RoleSupport}
		res, err := tp.Intake.Capture(context.Background(), support, intake.Submission{FirstName: "Klara", LastName: "Neumann",
			Email: "klara@spree-werke.example", Company: "Spree Werke GmbH", Country: "DE", Title: "Head of IT", PID: demo.PIDBerlin,
			FormKind: string(leadrouter.FormDemoRequest), Source: leadrouter.SourceWebForm}, nil)
		if err != nil || res.Lead.Status != leadrouter.StatusMQL || res.Lead.ReservedPartnerID == "" {
			t.Fatalf("capture: %v, status %s, reserved for %q", err, res.Lead.Status, res.Lead.ReservedPartnerID)
		}
		lead := "/portal/leads/" + res.Lead.ID

		b := MustBrowser(t)
		b.signIn(tp.URL, "pam@vendor.example")
		b.Check("the PAM's home")
		b.Do("the lead", chromedp.Navigate(tp.URL+lead))
		b.Wait("the qualify form", chromedp.WaitVisible(css("#qualify")))
		b.Check("a lead to qualify")
		wording := b.text("#consent_wording")
		if !strings.Contains(wording, "authorised partner") {
			t.Fatalf("consent wording shown: %q", wording)
		}
		// Submitting without the answer keeps the lead as it was.
		b.Do("qualify without an answer", chromedp.Click(css(`form[action$="/qualify"] button`)))
		if at := get(b, chromedp.Location()); !strings.HasSuffix(at, lead) {
			t.Fatalf("the browser left the page without an answer: %s", at)
		}
		b.Do("qualify with consent",
			chromedp.Click(css("#q_consent_yes")),
			chromedp.SendKeys(css("#q_note"), "Called Klara: ERP rollout in Q2"),
			chromedp.Click(css(`form[action$="/qualify"] button`)),
		)
		b.Wait("the convert form", chromedp.WaitVisible(css("#convert")))
		b.Check("a qualified lead")
		facts := b.text("dl.facts")
		if !strings.Contains(facts, "qualified") || !strings.Contains(facts, "yes") {
			t.Fatalf("after qualifying: %q", facts)
		}
		var recorded string
		if err := tp.DB.View(context.Background(), func(tx *store.Tx) error {
			records, err := tx.Consents(context.Background(), res.Lead.ID)
			for _, c := range records {
				if c.Source == "qualification" {
					recorded = c.Text
				}
			}
			return err
		}); err != nil || recorded != wording {
			t.Fatalf("consent recorded %q (%v), want the wording shown %q", recorded, err, wording)
		}

		b.Do("convert",
			chromedp.SendKeys(css("#c_amount"), "48000"),
			chromedp.Click(css(`form[action$="/convert"] button`)),
		)
		b.Wait("the hand-off queue", chromedp.WaitVisible(css(".notice")))
		b.Check("the hand-off queue")
		row := b.text(`tr[id^="h_"]:has(a[href="` + lead + `"])`)
		if !strings.Contains(row, "Spree Werke GmbH") || !strings.Contains(row, "Berlin Systems GmbH") || !strings.Contains(row, "yes") {
			t.Fatalf("queue row: %q", row)
		}
		b.Do("hand off", chromedp.Click(css(`tr[id^="h_"]:has(a[href="`+lead+`"]) form.inline button`)))
		b.waitText(".notice", "handed off")
		b.Check("the hand-off queue after the hand-off")
		b.signOut()

		// The partner now sees the person: consented and handed off.
		b.signIn(tp.URL, "anna@berlin-systems.example")
		b.Do("the lead as the partner", chromedp.Navigate(tp.URL+lead))
		b.Wait("the lead page", chromedp.WaitVisible(css("dl.facts")))
		if facts := b.text("dl.facts"); !strings.Contains(facts, "klara@spree-werke.example") {
			t.Fatalf("the partner's view after the hand-off: %q", facts)
		}
		b.Check("the partner's lead page")
	})
}

// TestBrowserSupportDesk: the support desk searches by a person's name,
// finds the lead with its owner and how to reach them (the owning user's
// e-mail, the partner's PAM), opens it, reads the timeline as sentences,
// and — the partner having asked — moves it to another of the partner's
// users; then finds the training call's Cynthia Russell by company.
func TestBrowserSupportDesk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		ctx := context.Background()
		anna, ben := tp.IDs.Users["anna@berlin-systems.example"], tp.IDs.Users["ben@berlin-systems.example"]
		support := leadrouter.Actor{UserID: tp.IDs.Users["support@vendor.example"], Role: leadrouter.RoleSupport}
		yes := true
		res, err := tp.Intake.Capture(ctx, support, intake.Submission{FirstName: "Henrike", LastName: "Quandt", Email: "henrike@quandt-maschinen.example",
			Company: "Quandt Maschinen GmbH", Country: "AT", Title: "CFO", Source: leadrouter.SourceCall, ConsentShare: &yes, ConsentText: "Yes, share my details."}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tp.Lifecycle.ChangeOwner(ctx, leadrouter.Actor{UserID: tp.IDs.Users["admin@vendor.example"], Role: leadrouter.RoleAdmin}, res.Lead.ID,
			lifecycle.ChangeOwnerInput{OwnerID: anna}); err != nil {
			t.Fatal(err)
		}
		storetest.MustIndexAll(t, tp.DB) // as the server's indexer does within a second: names are found through it

		b := MustBrowser(t)
		b.signIn(tp.URL, "support@vendor.example")
		if h := b.text("h1"); h != "Search" {
			t.Fatalf("home heading %q", h)
		}
		b.Check("the support desk's search")
		b.Do("search by name", chromedp.SendKeys(css("#q"), "Quandt"), chromedp.Submit(css("#q")))
		// The page searched from lists the newest leads in a table too:
		// the results are the table whose caption names the query.
		b.waitText("table caption", "Quandt")
		b.Check("search results")
		row := b.text("table tbody tr")
		for _, want := range []string{"Henrike Quandt", "Quandt Maschinen GmbH", "Berlin Systems GmbH — Anna Berlin", "anna@berlin-systems.example", "Paula PAM", "pam@vendor.example"} {
			if !strings.Contains(row, want) {
				t.Fatalf("result %q lacks %q", row, want)
			}
		}
		b.Do("open the lead", chromedp.Click(css(`table tbody tr a[href="/portal/leads/`+res.Lead.ID+`"]`)))
		b.Wait("the lead page", chromedp.WaitVisible(css("#timeline")))
		b.Check("the lead page")
		if facts := b.text("dl.facts"); !strings.Contains(facts, "anna@berlin-systems.example") || !strings.Contains(facts, "pam@vendor.example") {
			t.Fatalf("the owner's contact on the lead page: %q", facts)
		}
		if story := b.text("table.timeline tbody"); !strings.Contains(story, "Created (source: call)") || !strings.Contains(story, "Owner changed from") {
			t.Fatalf("timeline %q", story)
		}
		b.Do("change the owner",
			chromedp.SetValue(css("#owner_id"), ben),
			chromedp.SendKeys(css("#owner_reason"), "Anna asked: Ben takes it"),
			chromedp.Click(css(`form[action$="/owner"] button`)),
		)
		b.waitText(".notice", "owner was changed")
		b.Check("the lead after the change")
		if facts := b.text("dl.facts"); !strings.Contains(facts, "Ben Berlin") {
			t.Fatalf("owner after the change: %q", facts)
		}
		if story := b.text("table.timeline tbody"); !strings.Contains(story, "to Berlin Systems GmbH — Ben Berlin: Anna asked: Ben takes it") {
			t.Fatalf("timeline after the change: %q", story)
		}

		// Berlin gives the lead up: support files the request on its
		// behalf and follows it; an admin resolves it.
		b.Do("ask for reassignment",
			chromedp.SendKeys(css("#reassign_reason"), "Berlin has no consultant for Austria this quarter"),
			chromedp.Click(css(`form[action$="/reassignment"] button`)),
		)
		b.waitText(".notice", "reassignment request was sent")
		b.Do("the requests filed", chromedp.Navigate(tp.URL+"/portal/reassignment-requests"))
		b.Wait("the list", chromedp.WaitVisible(css("table tbody tr")))
		b.Check("the support desk's reassignment requests")
		if row := b.text("table tbody tr"); !strings.Contains(row, "Quandt Maschinen GmbH") || !strings.Contains(row, "waiting for the operations team") {
			t.Fatalf("filed request %q", row)
		}
		b.signOut()

		b.signIn(tp.URL, "admin@vendor.example")
		b.Do("the queue", chromedp.Navigate(tp.URL+"/portal/admin/reassignments"))
		b.Wait("the request", chromedp.WaitVisible(css(`tr[id^="r_"]`)))
		b.Check("the admin's reassignment queue")
		munich := tp.IDs.Partners[demo.PIDMunich]
		b.Do("resolve to Munich", chromedp.SetValue(css(`tr[id^="r_"] select`), munich), chromedp.Click(css(`tr[id^="r_"] button`)))
		b.waitText(".notice", "resolved")
		b.Check("the queue after resolving")
		b.signOut()

		b.signIn(tp.URL, "support@vendor.example")
		b.Do("the requests filed", chromedp.Navigate(tp.URL+"/portal/reassignment-requests"))
		b.waitText("table tbody tr", "now owned by Munich ERP AG")

		// The training call: Cynthia, by her company.
		b.Do("search by company", chromedp.Navigate(tp.URL+"/portal/leads?q="+url.QueryEscape("the pop cynthia project")))
		b.Wait("results", chromedp.WaitVisible(css("table tbody tr")))
		if row := b.text("table tbody"); !strings.Contains(row, "cynthia@popcynthia.example") || !strings.Contains(row, "Russell") {
			t.Fatalf("results %q", row)
		}
	})
}

// TestBrowserPartnerAnswers: a partner sees a lead reserved for it
// explained ("waiting for your PAM"); once its PAM has handed the
// opportunity off, the partner accepts it and reports on the deal; the
// dashboard draws its months; the link builder offers copy buttons.
func TestBrowserPartnerAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		ctx := context.Background()
		support := leadrouter.Actor{UserID: tp.IDs.Users["support@vendor.example"], Role: leadrouter.RoleSupport}
		pam := leadrouter.Actor{UserID: tp.IDs.Users["pam@vendor.example"], Role: leadrouter.RolePAM}
		res, err := tp.Intake.Capture(ctx, support, intake.Submission{FirstName: "Klara", LastName: "Neumann", Email: "klara@spree-werke.example",
			Company: "Spree Werke GmbH", Country: "DE", Title: "Head of IT", PID: demo.PIDBerlin,
			FormKind: string(leadrouter.FormDemoRequest), Source: leadrouter.SourceWebForm}, nil)
		if err != nil {
			t.Fatal(err)
		}
		lead := "/portal/leads/" + res.Lead.ID

		b := MustBrowser(t)
		b.signIn(tp.URL, "anna@berlin-systems.example")
		b.Check("the dashboard")
		if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart svg rect, figure.chart svg text").length > 0 ? document.querySelectorAll("figure.chart svg").length : 0`)); n != 4 {
			t.Fatalf("%d charts on the dashboard, want 4", n)
		}
		b.Do("my leads", chromedp.Navigate(tp.URL+"/portal/leads"))
		b.Wait("the list", chromedp.WaitVisible(css("table tbody tr")))
		b.Check("my leads")
		if row := b.text(`table tbody tr:has(a[href="` + lead + `"])`); !strings.Contains(row, "Spree Werke GmbH") || !strings.Contains(row, "waiting for your PAM") {
			t.Fatalf("the reserved lead in the list: %q", row)
		}
		b.Do("the reserved lead", chromedp.Navigate(tp.URL+lead))
		b.Wait("the lead page", chromedp.WaitVisible(css("#withheld")))
		b.Check("a reserved lead")
		if why := b.text("#withheld"); !strings.Contains(why, "reserved for you: waiting for your PAM") {
			t.Fatalf("why the contact is withheld: %q", why)
		}

		// The PAM qualifies (with consent), converts and hands off.
		yes := true
		if _, err := tp.Lifecycle.Qualify(ctx, pam, res.Lead.ID, lifecycle.QualifyInput{ConsentShare: &yes, ConsentText: "May we share your details?"}); err != nil {
			t.Fatal(err)
		}
		conv, err := tp.Lifecycle.Convert(ctx, pam, res.Lead.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tp.Lifecycle.Handoff(ctx, pam, conv.Opportunity.ID, lifecycle.HandoffInput{PartnerID: tp.IDs.Partners[demo.PIDBerlin]}); err != nil {
			t.Fatal(err)
		}

		b.Do("assignments", chromedp.Navigate(tp.URL+"/portal/assignments"))
		b.Wait("the hand-off to answer", chromedp.WaitVisible(css(`tr:has(a[href="`+lead+`"]) form[action$="/accept"] button`)))
		b.Check("assignments")
		b.Do("accept", chromedp.Click(css(`tr:has(a[href="`+lead+`"]) form[action$="/accept"] button`)))
		b.waitText(".notice", "You accepted it")
		b.Check("assignments after accepting")

		row := `#o_` + conv.Opportunity.ID
		b.Do("opportunities", chromedp.Navigate(tp.URL+"/portal/opportunities"))
		b.Wait("the opportunity", chromedp.WaitVisible(css(row)))
		b.Check("opportunities")
		b.Do("report on the deal",
			chromedp.Click(css(row+" details summary")),
			chromedp.SetValue(css(row+` select[name="stage"]`), "proposal"),
			chromedp.SendKeys(css(row+` input[name="amount"]`), "48000"),
			chromedp.SendKeys(css(row+` input[name="currency"]`), "EUR"),
			chromedp.Click(css(row+` form[action$="/deal"] button`)),
		)
		b.waitText(".notice", "deal was saved")
		if deal := b.text(row + " td.deal"); !strings.Contains(deal, "proposal") || !strings.Contains(deal, "48000.00 EUR") {
			t.Fatalf("deal after saving: %q", deal)
		}
		b.Check("opportunities after the deal update")

		b.Do("link builder", chromedp.Navigate(tp.URL+"/portal/links?url=%2Fpricing"))
		b.Wait("copy buttons", chromedp.WaitVisible(css("#link + button.copy")))
		b.Check("the link builder with copy buttons")
	})
}
