package intake_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/tracking"
)

// browserAccept is what Chromium sends when it posts a form.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

// formServer serves POST /forms/{slug} on a fresh store holding the demo
// forms, its errors written by the API's problem writer, as the server
// wires it; limit is the per-address submission budget.
func formServer(t *testing.T, limit int) http.Handler {
	t.Helper()
	svc, db := newService(t, store.SQLite)
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		for _, f := range demo.Forms {
			if _, err := adminuc.CreateForm(context.Background(), tx, f); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	h := &intake.FormHandler{Service: svc, Codec: tracking.NewCodec([]byte("form-test-secret")), SiteHosts: []string{"www.vendor.example"},
		Limiter: intake.NewRateLimiter(limit), Logger: logger,
		WriteError: func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, logger, err) }}
	mux := http.NewServeMux()
	mux.Handle("POST /forms/{slug}", h)
	return mux
}

// postForm posts form to /forms/{slug} with the given headers.
func postForm(h http.Handler, slug string, form url.Values, headers map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://leads.vendor.example/forms/"+slug, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "203.0.113.7:4000"
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var validSubmission = url.Values{"first_name": {"Nina"}, "last_name": {"Neu"}, "email": {"nina@neu-firma.example"},
	"company": {"Neu Firma"}, "country": {"DE"}}

// TestFormErrorsForBrowsers: a browser posting a form with errors gets
// an HTML page with the problem's status listing each problem, escaped,
// and a link back to the form page when the Referer is one of the site's
// pages ("/" otherwise).
func TestFormErrorsForBrowsers(t *testing.T) {
	h := formServer(t, 100)

	t.Run("invalid fields", func(t *testing.T) {
		w := postForm(h, "demo-request", url.Values{"email": {"bad"}, "country": {"DE"}},
			map[string]string{"Accept": browserAccept, "Referer": "https://www.vendor.example/demo?plan=team&src=ad"})
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%d %q\n%s", w.Code, w.Header().Get("Content-Type"), body)
		}
		for _, want := range []string{"<h1>We could not accept your submission</h1>", "The request has invalid fields.",
			"<li><strong>email</strong>: ", "<li><strong>last name</strong>: ",
			`<a href="https://www.vendor.example/demo?plan=team&amp;src=ad">`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, `"status"`) || strings.Contains(body, "problem") {
			t.Errorf("the page shows the problem document:\n%s", body)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(w.Header().Get("Vary"), "Accept") {
			t.Errorf("headers %v", w.Header())
		}
	})

	t.Run("the input and the Referer are escaped", func(t *testing.T) {
		w := postForm(h, "demo-request", url.Values{"email": {"<script>alert(2)</script>"}},
			map[string]string{"Accept": browserAccept, "Referer": `https://www.vendor.example/demo?q="><script>alert(1)</script>`})
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || strings.Contains(body, "<script>") || strings.Contains(body, `"><`) {
			t.Fatalf("%d\n%s", w.Code, body)
		}
		if !strings.Contains(body, `<a href="https://www.vendor.example/demo?q=`) || !strings.Contains(body, "&lt;script&gt;alert(2)") {
			t.Errorf("no link back to the form page, or the input not shown escaped:\n%s", body)
		}
	})

	t.Run("a foreign Referer links home", func(t *testing.T) {
		// Origin passes the same-site check; the Referer is not the site's.
		w := postForm(h, "demo-request", url.Values{"email": {"bad"}},
			map[string]string{"Accept": browserAccept, "Origin": "https://www.vendor.example", "Referer": "https://evil.example/phish"})
		if body := w.Body.String(); w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="/">`) || strings.Contains(body, "evil") {
			t.Fatalf("%d\n%s", w.Code, body)
		}
	})

	t.Run("a cross-site post", func(t *testing.T) {
		for _, referer := range []string{"https://evil.example/x", "javascript:alert(1)"} {
			w := postForm(h, "demo-request", validSubmission, map[string]string{"Accept": browserAccept, "Referer": referer})
			body := w.Body.String()
			if w.Code != http.StatusForbidden || !strings.Contains(body, "only from the vendor&#39;s own site") ||
				!strings.Contains(body, `<a href="/">`) || strings.Contains(body, "evil") || strings.Contains(body, "javascript") {
				t.Fatalf("Referer %q: %d\n%s", referer, w.Code, body)
			}
		}
	})

	t.Run("an unknown form", func(t *testing.T) {
		w := postForm(h, "no-such-form", validSubmission, map[string]string{"Accept": browserAccept})
		if body := w.Body.String(); w.Code != http.StatusNotFound || !strings.Contains(body, "<h1>") || !strings.Contains(body, `<a href="/">`) {
			t.Fatalf("%d\n%s", w.Code, body)
		}
	})

	t.Run("over the rate limit", func(t *testing.T) {
		limited := formServer(t, 1)
		postForm(limited, "demo-request", url.Values{"email": {"bad"}}, map[string]string{"Accept": browserAccept})
		w := postForm(limited, "demo-request", url.Values{"email": {"bad"}}, map[string]string{"Accept": browserAccept})
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many submissions") ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%d %v\n%s", w.Code, w.Header(), w.Body.String())
		}
	})

	t.Run("success still redirects", func(t *testing.T) {
		w := postForm(h, "demo-request", validSubmission, map[string]string{"Accept": browserAccept, "Referer": "https://www.vendor.example/demo"})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/thank-you" {
			t.Fatalf("%d %q\n%s", w.Code, w.Header().Get("Location"), w.Body.String())
		}
	})
}

// TestFormErrorsForAPIClients: clients asking for JSON, and clients that
// do not ask for HTML, keep getting problem documents.
func TestFormErrorsForAPIClients(t *testing.T) {
	h := formServer(t, 100)
	for _, accept := range []string{"", "application/json", "text/html, application/json", "application/problem+json", "*/*"} {
		w := postForm(h, "demo-request", url.Values{"email": {"bad"}}, map[string]string{"Accept": accept})
		if w.Code != http.StatusUnprocessableEntity || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("Accept %q: %d %q\n%s", accept, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
		var problem httpapi.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil || problem.Status != http.StatusUnprocessableEntity {
			t.Fatalf("Accept %q: %v %+v", accept, err, problem)
		}
		fields := map[string]bool{}
		for _, f := range problem.Errors {
			fields[f.Field] = true
		}
		if !fields["email"] {
			t.Errorf("Accept %q: errors %+v", accept, problem.Errors)
		}
	}
	w := postForm(h, "demo-request", validSubmission, map[string]string{"Accept": "application/json"})
	var accepted map[string]string
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &accepted) != nil || accepted["status"] != "accepted" || accepted["redirect"] != "/thank-you" {
		t.Fatalf("accepted: %d\n%s", w.Code, w.Body.String())
	}
}

// TestFormRateLimitSharedAcrossProcesses: two servers on one database
// (two handlers here) spend one per-address budget: its third submission
// through either is the last one accepted.
func TestFormRateLimitSharedAcrossProcesses(t *testing.T) {
	svc, db := newService(t, store.SQLite)
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		_, err := adminuc.CreateForm(context.Background(), tx, demo.Forms[0])
		return err
	}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	server := func() http.Handler {
		h := &intake.FormHandler{Service: svc, Codec: tracking.NewCodec([]byte("form-test-secret")), SiteHosts: []string{"www.vendor.example"},
			Limiter: intake.NewRateLimiter(100), Shared: &intake.SharedLimiter{DB: db, Prefix: "form:", Limit: 3, Window: time.Minute}, Logger: logger,
			WriteError: func(w http.ResponseWriter, r *http.Request, err error) { httpapi.WriteError(w, r, logger, err) }}
		mux := http.NewServeMux()
		mux.Handle("POST /forms/{slug}", h)
		return mux
	}
	a, b := server(), server()
	for i := 0; i < 4; i++ {
		h := a
		if i%2 == 1 {
			h = b
		}
		form := url.Values{"first_name": {"Rate"}, "last_name": {"Limited"}, "email": {"rate" + strconv.Itoa(i) + "@limited.example"},
			"company": {"Limited Ltd"}, "country": {"DE"}}
		w := postForm(h, demo.Forms[0].Slug, form, map[string]string{"Origin": "https://www.vendor.example"})
		want := http.StatusSeeOther
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if w.Code != want {
			t.Fatalf("submission %d: %d, want %d: %s", i+1, w.Code, want, w.Body)
		}
		if i == 3 && w.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	// Refused submissions do not spend the budget (retrying as told
	// works): the window still holds the three accepted ones.
	if c, err := db.RateWindowCount(context.Background(), "form:203.0.113.7", time.Minute); err != nil || c.Recent() != 3 {
		t.Errorf("counted %+v (%v), want the 3 accepted submissions", c, err)
	}
}
