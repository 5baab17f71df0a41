package intake_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
)

// TestFormRateLimit: a client address over its budget gets 429 with a
// Retry-After the message agrees with, before anything else is looked at;
// other addresses are not affected.
func TestFormRateLimit(t *testing.T) {
	var last error
	h := &intake.FormHandler{Limiter: intake.NewRateLimiter(2), SiteHosts: []string{"www.vendor.example"},
		WriteError: func(w http.ResponseWriter, _ *http.Request, err error) {
			last = err
			status := map[string]int{leadrouter.ERATELIMIT: 429, leadrouter.EFORBIDDEN: 403}[leadrouter.ErrorCode(err)]
			w.WriteHeader(status)
		}}
	post := func(addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/forms/demo-request", strings.NewReader("email=a@b.example"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "https://evil.example") // refused after the limit check: nothing is stored
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := 0; i < 2; i++ {
		if w := post("203.0.113.7:1000"); w.Code != 403 {
			t.Fatalf("request %d: %d, want the origin check's 403", i, w.Code)
		}
	}
	w := post("203.0.113.7:1001")
	if w.Code != 429 {
		t.Fatalf("over the limit: %d", w.Code)
	}
	secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || secs < 1 || secs > 31 {
		t.Fatalf("Retry-After = %q", w.Header().Get("Retry-After"))
	}
	if msg := leadrouter.ErrorMessage(last); !strings.Contains(msg, "in "+strconv.Itoa(secs)+" second") {
		t.Errorf("message %q disagrees with Retry-After %d", msg, secs)
	}
	if w := post("198.51.100.9:1000"); w.Code != 403 {
		t.Errorf("another address: %d", w.Code)
	}
}
