package portal_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// chromiumPath finds a Chromium binary, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found: browser tests need Chromium (.ci/run installs it)")
	return ""
}

// browser is a headless Chromium tab driven by one test.
type browser struct {
	t   *testing.T
	ctx context.Context
	// checked counts the pages Check audited.
	checked int
}

// MustBrowser starts a headless Chromium for the test.
func MustBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// Do runs steps with a timeout, failing the test on error.
func (b *browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Wait runs steps that only look at the page (waits, reads) and may meet
// a page being replaced by a navigation: Chromium then reports the
// document's JavaScript context as gone, and the steps are run again on
// the new page.
func (b *browser) Wait(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	for {
		err := chromedp.Do(ctx, steps...)
		if err == nil {
			return
		}
		if !navigatedAway(err) || ctx.Err() != nil {
			b.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// navigatedAway reports whether err is Chromium's answer to a query whose
// document was replaced while it ran (a node found in the old document is
// gone by the time it is read).
func navigatedAway(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context with specified id") || strings.Contains(msg, "Execution context was destroyed") ||
		strings.Contains(msg, "Cannot find default execution context") || strings.Contains(msg, "No node with given id found")
}

// get runs one action returning a value (again, on a page that replaced
// the one it started on, see Wait).
func get[T any](b *browser, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	for {
		v, err := chromedp.Run(ctx, action)
		if err == nil {
			return v
		}
		if !navigatedAway(err) || ctx.Err() != nil {
			b.t.Fatalf("browser: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// signIn fills in and submits the sign-in form.
func (b *browser) signIn(base, email string) {
	b.t.Helper()
	b.Do("sign in as "+email,
		chromedp.Navigate(base+"/portal/login"),
		chromedp.WaitVisible(css("#email")),
	)
	b.Check("the sign-in page")
	b.Do("sign in as "+email,
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), demo.Password),
		chromedp.Click(css(`main form button[type="submit"]`)),
	)
	b.Wait("signed in as "+email, chromedp.WaitVisible(css(".signout")))
}

func TestBrowserPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		b := MustBrowser(t)
		b.signIn(tp.URL, "anna@berlin-systems.example")
		if h := get(b, chromedp.Text(css("h1"))); h != "Dashboard" {
			t.Fatalf("home heading %q", h)
		}
		b.Check("dashboard")

		b.Do("link builder", chromedp.Click(css(`nav a[href="/portal/links"]`)))
		b.Wait("the link builder", chromedp.WaitVisible(css("#url")))
		b.Do("build a link",
			chromedp.SendKeys(css("#url"), "https://www.vendor.example/pricing?plan=team"),
			chromedp.Submit(css("#url")),
		)
		b.Wait("the link", chromedp.WaitVisible(css("#link")))
		b.Check("link builder")
		link, snippet := get(b, chromedp.Value(css("#link"))), get(b, chromedp.Value(css("#snippet")))
		if link != "https://www.vendor.example/pricing?plan=team&pid=BERLIN01" ||
			!strings.Contains(snippet, `<a href="https://www.vendor.example/pricing?plan=team&amp;pid=BERLIN01">`) {
			t.Fatalf("link %q, snippet %q", link, snippet)
		}

		b.Do("registrations", chromedp.Click(css(`nav a[href="/portal/registrations"]`)))
		b.Wait("the registration form", chromedp.WaitVisible(css("#company")))
		b.Do("register a prospect",
			chromedp.SendKeys(css("#company"), "Nordlicht Software GmbH"),
			chromedp.SendKeys(css("#domain"), "nordlicht.example"),
			chromedp.SendKeys(css("#country"), "DE"),
			chromedp.Submit(css("#company")),
		)
		b.Wait("the conflict flag", chromedp.WaitVisible(css("#flag")))
		if flag := get(b, chromedp.Text(css("#flag .flag"))); flag != "green" {
			t.Fatalf("flag %q", flag)
		}
		b.Check("registrations")
		if dir := os.Getenv("PORTAL_SCREENSHOT_DIR"); dir != "" {
			_ = os.WriteFile(dir+"/registrations-"+string(engine)+".png", get(b, chromedp.FullScreenshot(100)), 0o644)
		}

		b.Do("sign out", chromedp.Click(css(".signout button")))
		b.Wait("the sign-in page", chromedp.WaitVisible(css("#password")))
		if at := get(b, chromedp.Location()); !strings.HasSuffix(at, "/portal/login") {
			t.Fatalf("after sign-out at %q", at)
		}
		// Signed out, the portal sends the browser back to the sign-in page.
		b.Do("dashboard signed out", chromedp.Navigate(tp.URL+"/portal/dashboard"))
		b.Wait("the sign-in page", chromedp.WaitVisible(css("#password")))
		if at := get(b, chromedp.Location()); !strings.Contains(at, "/portal/login?next=") {
			t.Fatalf("signed out dashboard at %q", at)
		}
	})
}

// TestBrowserRegistrationDecisions: in Chromium, Partner Relations see a
// yellow flag's partner and conflicts by name, a partner asks for an
// extension through its form, Partner Relations approve it, and the
// partner sees the decision.
func TestBrowserRegistrationDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		tp := MustStart(t, engine)
		berlin := tp.MustClient(t)
		berlin.MustSignIn("anna@berlin-systems.example")
		greenID := mustRegister(t, berlin, "Nordlicht Software GmbH", "nordlicht.example")
		yellowID := mustRegister(t, berlin, "Vogel Bau AG", "vogel-bau.example")

		b := MustBrowser(t)
		b.signIn(tp.URL, "anna@berlin-systems.example")
		b.Do("registrations", chromedp.Navigate(tp.URL+"/portal/registrations"))
		b.Wait("the extension form", chromedp.WaitVisible(css("#extend_"+greenID)))
		b.Check("the partner's registrations")
		b.Do("ask for an extension",
			chromedp.SendKeys(css("#extend_"+greenID), "Tender runs into spring"),
			chromedp.Click(css(`form[action="/portal/registrations/`+greenID+`/extend"] button`)),
		)
		b.Wait("the notice", chromedp.WaitVisible(css(".notice")))
		if row := get(b, chromedp.Text(css("#"+greenID))); !strings.Contains(row, "Asked; waiting for Partner Relations") {
			t.Fatalf("row after asking %q", row)
		}
		b.Do("sign out", chromedp.Click(css(".signout button")))
		b.Wait("the sign-in page", chromedp.WaitVisible(css("#password")))

		b.signIn(tp.URL, "relations@vendor.example")
		b.Wait("the approvals", chromedp.WaitVisible(css(`section[aria-labelledby="reg_`+yellowID+`"]`)))
		pending := get(b, chromedp.Text(css(`section[aria-labelledby="reg_`+yellowID+`"]`)))
		if !strings.Contains(pending, "Berlin Systems GmbH") || !strings.Contains(pending, "Munich ERP AG") || !strings.Contains(pending, "0.95") {
			t.Fatalf("pending registration %q", pending)
		}
		b.Check("the approvals")
		ext := `section[aria-labelledby="ext_` + greenID + `"]`
		if text := get(b, chromedp.Text(css(ext))); !strings.Contains(text, "Tender runs into spring") || !strings.Contains(text, "Berlin Systems GmbH") {
			t.Fatalf("extension request %q", text)
		}
		if dir := os.Getenv("PORTAL_SCREENSHOT_DIR"); dir != "" {
			_ = os.WriteFile(dir+"/approvals-"+string(engine)+".png", get(b, chromedp.FullScreenshot(100)), 0o644)
		}
		b.Do("approve the extension",
			chromedp.SendKeys(css("#reason_extension_"+greenID), "Spring tender confirmed"),
			chromedp.Click(css(ext+" button:not(.danger)")),
		)
		b.waitText(".notice", "registration was decided")
		b.Check("the approvals after the extension")
		// The yellow registration: approved with a reason.
		reg := `section[aria-labelledby="reg_` + yellowID + `"]`
		b.Do("approve the yellow registration",
			chromedp.SendKeys(css("#reason_registration_"+yellowID), "Munich's lead is stale; Berlin works the tender"),
			chromedp.Click(css(reg+" button:not(.danger)")),
		)
		b.Wait("the registration gone from the queue", chromedp.WaitNotPresent(css(reg)))
		b.Check("the approvals after the registration")
		b.Do("sign out", chromedp.Click(css(".signout button")))
		b.Wait("the sign-in page", chromedp.WaitVisible(css("#password")))

		b.signIn(tp.URL, "anna@berlin-systems.example")
		b.Do("registrations", chromedp.Navigate(tp.URL+"/portal/registrations"))
		b.Wait("the list", chromedp.WaitVisible(css("#"+greenID)))
		b.Check("the partner's registrations after the decision")
		if row := get(b, chromedp.Text(css("#"+yellowID))); !strings.Contains(row, "Approved by Partner Relations") || !strings.Contains(row, "Berlin works the tender") {
			t.Fatalf("the yellow registration after the decision %q", row)
		}
		if row := get(b, chromedp.Text(css("#"+greenID))); !strings.Contains(row, "Extension approved by Partner Relations") ||
			!strings.Contains(row, "Spring tender confirmed") || !strings.Contains(row, "Extended") {
			t.Fatalf("row after the decision %q", row)
		}
	})
}
