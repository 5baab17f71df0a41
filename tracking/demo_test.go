package tracking

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoSite(t *testing.T) {
	site := DemoSite()
	for _, path := range []string{"/", "/pricing", "/products/erp", "/demo", "/whitepaper", "/contact", "/lunch-and-learn", "/thank-you"} {
		w := httptest.NewRecorder()
		site.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: status %d, Content-Type %q", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	w := httptest.NewRecorder()
	site.ServeHTTP(w, httptest.NewRequest("GET", "/nope", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("/nope: status %d, want 404", w.Code)
	}

	fields := []string{
		`method="post"`,
		`name="first_name"`, `name="last_name"`, `name="email"`, `name="company"`,
		`name="country"`, `name="title"`, `name="phone"`, `name="partner_code"`,
		`name="website" tabindex="-1"`,
	}
	pages := []struct {
		path, slug, consent string
	}{
		{"/demo", DemoFormSlug, DemoConsentText},
		{"/whitepaper", DemoWhitepaperSlug, DemoConsentText},
		{"/contact", DemoContactSlug, ""},
		{"/lunch-and-learn", DemoEventSlug, DemoEventConsentText},
	}
	for _, p := range pages {
		w = httptest.NewRecorder()
		site.ServeHTTP(w, httptest.NewRequest("GET", p.path, nil))
		page := w.Body.String()
		want := append([]string{`action="/forms/` + p.slug + `"`}, fields...)
		if p.consent != "" {
			want = append(want, `type="checkbox" id="consent_share" name="consent_share"`, p.consent)
		}
		for _, s := range want {
			if !strings.Contains(page, s) {
				t.Errorf("%s lacks %s", p.path, s)
			}
		}
	}
}
