package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
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
			return tx.QueryRow(context.Background(), `SELECT text FROM consents WHERE lead_id = ? AND source = 'qualification'`, res.Lead.ID).Scan(&recorded)
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
