package tracking

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoSite(t *testing.T) {
	site := DemoSite()
	for _, path := range []string{"/", "/pricing", "/products/erp", "/demo"} {
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

	w = httptest.NewRecorder()
	site.ServeHTTP(w, httptest.NewRequest("GET", "/demo", nil))
	page := w.Body.String()
	for _, want := range []string{
		`action="/forms/` + DemoFormSlug + `"`,
		`method="post"`,
		`name="first_name"`, `name="last_name"`, `name="email"`, `name="company"`,
		`name="country"`, `name="title"`, `name="phone"`, `name="partner_code"`,
		`type="checkbox" id="consent_share" name="consent_share"`,
		`name="website" tabindex="-1"`,
		DemoConsentText,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/demo lacks %s", want)
		}
	}
}
