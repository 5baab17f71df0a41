package tracking

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// discardWriter is a ResponseWriter that keeps nothing but its header map,
// cleared between requests, so that benchmarks see the handler's own cost.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// benchRequest is the request of bench/redirect.sh.
func benchRequest(tb testing.TB, cookie string) *http.Request {
	tb.Helper()
	r := httptest.NewRequest("GET", "/pricing?utm_source=x&pid=BERLIN01&utm_medium=y", nil)
	if cookie != "" {
		r.Header.Set("Cookie", "_ga=GA1.2.3; lr_ref="+cookie)
	}
	return r
}

func benchmarkRedirect(b *testing.B, cookie string) {
	fx := MustFixture(b)
	handler := NewMiddleware(fx.cfg, nextHandler)
	r := benchRequest(b, cookie)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		handler.ServeHTTP(w, r)
	}
	if w.status != http.StatusFound || w.header.Get("Set-Cookie") == "" {
		b.Fatalf("status %d, headers %v", w.status, w.header)
	}
}

// BenchmarkRedirect is the redirect of a first visit: parse, strip, look
// up, sign, count.
func BenchmarkRedirect(b *testing.B) { benchmarkRedirect(b, "") }

// BenchmarkRedirectWithCookie is a returning visitor's redirect: the
// previous touches are verified and carried over.
func BenchmarkRedirectWithCookie(b *testing.B) {
	codec := NewCodec(testSecret)
	cookie := codec.Encode([]leadrouter.Touch{
		{PID: "PARIS002", At: testNow, Landing: "/products/erp?utm_source=newsletter", Kind: leadrouter.TouchLink},
		{PID: "BERLIN01", At: testNow, Landing: "/pricing", Kind: leadrouter.TouchLink},
	})
	benchmarkRedirect(b, cookie)
}

// BenchmarkFixed302 is the floor: a handler writing the same headers as
// constants.
func BenchmarkFixed302(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Location", "/pricing?utm_source=x&utm_medium=y")
		h.Set("Cache-Control", "no-store")
		h.Set("Set-Cookie", "lr_ref=AWyDl5DYBghCRVJMSU4wMSIvcHJpY2luZz91dG1fc291cmNlPXgmdXRtX21lZGl1bT155e-NRBivLfqRiJpqllqbDlu9oNXnwqGuWHB-TXBp_7o; Path=/; Max-Age=7776000; HttpOnly; SameSite=Lax")
		w.WriteHeader(http.StatusFound)
	})
	r := benchRequest(b, "")
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		handler.ServeHTTP(w, r)
	}
}

// BenchmarkPassThrough is the cost the middleware adds to a request
// without pid.
func BenchmarkPassThrough(b *testing.B) {
	fx := MustFixture(b)
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	handler := NewMiddleware(fx.cfg, noop)
	r := httptest.NewRequest("GET", "/pricing?utm_source=x&utm_medium=y&utm_campaign=spring", nil)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(w, r)
	}
}

// TestRedirectAllocations holds the redirect to its two allocations: the
// string holding Location and Set-Cookie, and the header value slice.
func TestRedirectAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	cookie := fx.cfg.Codec.Encode([]leadrouter.Touch{{PID: "PARIS002", At: testNow, Landing: "/x", Kind: leadrouter.TouchLink}})
	for _, c := range []string{"", cookie} {
		r := benchRequest(t, c)
		w := &discardWriter{header: http.Header{}}
		allocs := testing.AllocsPerRun(1000, func() {
			clear(w.header)
			handler.ServeHTTP(w, r)
		})
		if allocs > 2 {
			t.Errorf("cookie %q: the redirect allocates %.1f times, want at most 2", c, allocs)
		}
	}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	pass := NewMiddleware(fx.cfg, noop)
	r := httptest.NewRequest("GET", "/pricing?a=1&b=2", nil)
	w := &discardWriter{header: http.Header{}}
	if allocs := testing.AllocsPerRun(1000, func() { pass.ServeHTTP(w, r) }); allocs > 0 {
		t.Errorf("passing through allocates %.1f times", allocs)
	}
}
