package tracking

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

// serve runs one request through the middleware and returns the response.
func serve(tb testing.TB, handler http.Handler, method, target string, cookies ...string) *http.Response {
	tb.Helper()
	r := httptest.NewRequest(method, "http://www.vendor.example"+target, nil)
	if strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//") {
		r = httptest.NewRequest(method, target, nil)
	}
	for _, c := range cookies {
		r.Header.Add("Cookie", c)
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	return w.Result()
}

func TestRedirectLocation(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	tests := []struct {
		name     string
		target   string
		location string
	}{
		{"bench URL", "/pricing?utm_source=x&pid=BERLIN01&utm_medium=y", "/pricing?utm_source=x&utm_medium=y"},
		{"only pid", "/pricing?pid=BERLIN01", "/pricing"},
		{"root", "/?pid=BERLIN01", "/"},
		{"PID=", "/a?PID=BERLIN01&b=1", "/a?b=1"},
		{"Pid=", "/a?Pid=BERLIN01&b=1", "/a?b=1"},
		{"encoded key", "/a?%70id=BERLIN01&b=1", "/a?b=1"},
		{"repeated parameters", "/a?t=1&t=2&pid=BERLIN01&t=1", "/a?t=1&t=2&t=1"},
		{"encoded characters", "/a?q=caf%C3%A9+x&pid=BERLIN01&r=a%26b%3Dc", "/a?q=caf%C3%A9+x&r=a%26b%3Dc"},
		{"empty values", "/a?x=&pid=&y=", "/a?x=&y="},
		{"encoded path kept", "/a%2Fb/caf%c3%a9?pid=BERLIN01", "/a%2Fb/caf%c3%a9"},
		{"unknown PID", "/a?pid=NOBODY99&b=1", "/a?b=1"},
		// Open-redirect tricks: the Location stays a path on this host.
		{"double slash", "//evil.example/x?pid=BERLIN01", "/evil.example/x"},
		{"triple slash", "///evil.example/x?pid=BERLIN01", "/evil.example/x"},
		{"backslash", `/\evil.example/x?pid=BERLIN01`, "/evil.example/x"},
		{"encoded slashes", "/%2F%2Fevil.example?pid=BERLIN01", "/evil.example"},
		{"encoded backslash", "/%5Cevil.example?pid=BERLIN01", "/evil.example"},
		{"absolute-form request", "http://evil.example/x?pid=BERLIN01", "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RequestURI = tt.target
			u, err := url.ParseRequestURI(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			r.URL = u
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			resp := w.Result()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			location := resp.Header.Get("Location")
			if location != tt.location {
				t.Errorf("Location %q, want %q", location, tt.location)
			}
			assertStaysOnHost(t, location)
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}
}

// assertStaysOnHost fails unless a browser would resolve location on the
// current host.
func assertStaysOnHost(tb testing.TB, location string) {
	tb.Helper()
	if !strings.HasPrefix(location, "/") || strings.HasPrefix(location, "//") || strings.HasPrefix(location, `/\`) {
		tb.Errorf("Location %q could leave the host", location)
	}
	base, _ := url.Parse("https://www.vendor.example/go/BERLIN01")
	ref, err := url.Parse(location)
	if err != nil {
		tb.Fatalf("Location %q does not parse: %v", location, err)
	}
	if got := base.ResolveReference(ref).Host; got != base.Host {
		tb.Errorf("Location %q resolves to host %q", location, got)
	}
}

func TestRedirectCookie(t *testing.T) {
	tests := []struct {
		name     string
		secure   bool
		maxAge   time.Duration
		wantAttr string
	}{
		{"defaults", true, 0, "; Path=/; Max-Age=7776000; HttpOnly; Secure; SameSite=Lax"},
		{"loopback HTTP", false, 0, "; Path=/; Max-Age=7776000; HttpOnly; SameSite=Lax"},
		{"cookie-days 30", true, 30 * 24 * time.Hour, "; Path=/; Max-Age=2592000; HttpOnly; Secure; SameSite=Lax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := MustFixture(t)
			fx.cfg.Secure, fx.cfg.CookieMaxAge = tt.secure, tt.maxAge
			resp := serve(t, NewMiddleware(fx.cfg, nextHandler), "GET", "/pricing?a=1&pid=berlin01")
			raw := resp.Header.Get("Set-Cookie")
			value, attrs, _ := strings.Cut(strings.TrimPrefix(raw, "lr_ref="), ";")
			if !strings.HasPrefix(raw, "lr_ref=") || "; "+strings.TrimPrefix(attrs, " ") != tt.wantAttr {
				t.Errorf("Set-Cookie %q, want lr_ref=…%s", raw, tt.wantAttr)
			}
			c := cookieOf(resp)
			if c == nil || c.Path != "/" || !c.HttpOnly || c.Secure != tt.secure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie attributes: %+v", c)
			}
			touches, ok := fx.cfg.Codec.Decode(value)
			want := leadrouter.Touch{PID: "BERLIN01", At: testNow, Landing: "/pricing?a=1", Kind: leadrouter.TouchLink}
			if !ok || len(touches) != 1 || touches[0] != want {
				t.Errorf("touches %+v (ok %v), want [%+v]", touches, ok, want)
			}
		})
	}
}

func TestRedirectKeepsLastThreeTouches(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	var cookie string
	var landings []string
	for i, pid := range []string{"BERLIN01", "PARIS002", "berlin01", "Paris002"} {
		landing := "/p" + string(rune('0'+i))
		landings = append(landings, landing)
		var cookies []string
		if cookie != "" {
			cookies = []string{"other=1; lr_ref=" + cookie}
		}
		resp := serve(t, handler, "GET", landing+"?pid="+pid, cookies...)
		c := cookieOf(resp)
		if c == nil {
			t.Fatalf("request %d set no cookie", i)
		}
		cookie = c.Value
	}
	touches, ok := fx.cfg.Codec.Decode(cookie)
	if !ok || len(touches) != MaxTouches {
		t.Fatalf("touches %+v, ok %v", touches, ok)
	}
	for i, touch := range touches {
		if want := landings[i+1]; touch.Landing != want {
			t.Errorf("touch %d landing %q, want %q", i, touch.Landing, want)
		}
	}
	if touches[2].PID != "PARIS002" || touches[1].PID != "BERLIN01" {
		t.Errorf("PIDs not upper-cased in order: %+v", touches)
	}
}

func TestRedirectIgnoresTamperedCookie(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	old := fx.cfg.Codec.Encode([]leadrouter.Touch{{PID: "PARIS002", At: testNow, Landing: "/old", Kind: leadrouter.TouchLink}})
	forged := NewCodec([]byte("forger")).Encode([]leadrouter.Touch{{PID: "PARIS002", At: testNow, Landing: "/forged", Kind: leadrouter.TouchLink}})
	tests := []struct {
		name   string
		cookie string
		want   int // touches after the redirect
	}{
		{"valid", old, 2},
		{"tampered", old[:10] + "x" + old[11:], 1},
		{"forged", forged, 1},
		{"garbage", "%%%", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(t, handler, "GET", "/new?pid=BERLIN01", "lr_ref="+tt.cookie)
			c := cookieOf(resp)
			if c == nil {
				t.Fatal("no cookie set")
			}
			touches, ok := fx.cfg.Codec.Decode(c.Value)
			if !ok || len(touches) != tt.want || touches[len(touches)-1].Landing != "/new" {
				t.Errorf("touches %+v, want %d ending with /new", touches, tt.want)
			}
		})
	}
}

func TestRedirectWithoutTouch(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	tests := []struct {
		name     string
		target   string
		location string
	}{
		{"unknown PID", "/a?pid=NOBODY99&b=1", "/a?b=1"},
		{"malformed PID", "/a?pid=BER-LIN&b=1", "/a?b=1"},
		{"too short", "/a?pid=ABC&b=1", "/a?b=1"},
		{"too long", "/a?pid=BERLIN0123456&b=1", "/a?b=1"},
		{"empty", "/a?pid=", "/a"},
		{"suspended partner", "/a?pid=OSLO0003", "/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(t, handler, "GET", tt.target)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tt.location {
				t.Errorf("got %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), tt.location)
			}
			if c := resp.Header.Get("Set-Cookie"); c != "" {
				t.Errorf("Set-Cookie %q, want none", c)
			}
		})
	}
	if err := fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := fx.clicks.sum(); n != 0 {
		t.Errorf("%d clicks counted, want none", n)
	}
}

func TestRedirectUsesLastValidPID(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	tests := []struct{ target, want string }{
		{"/a?pid=BERLIN01&pid=PARIS002", "PARIS002"},
		{"/a?pid=PARIS002&pid=NOBODY99", "PARIS002"},
		{"/a?pid=BERLIN01&PID=bad!&Pid=OSLO0003", "BERLIN01"},
		{"/a?pid=BERLIN%30%31", "BERLIN01"},
	}
	for _, tt := range tests {
		resp := serve(t, handler, "GET", tt.target)
		c := cookieOf(resp)
		if c == nil {
			t.Errorf("%s: no cookie", tt.target)
			continue
		}
		touches, _ := fx.cfg.Codec.Decode(c.Value)
		if len(touches) != 1 || touches[0].PID != tt.want {
			t.Errorf("%s: touches %+v, want PID %s", tt.target, touches, tt.want)
		}
		if loc := resp.Header.Get("Location"); loc != "/a" {
			t.Errorf("%s: Location %q", tt.target, loc)
		}
	}
}

func TestRedirectPassesThrough(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	tests := []struct{ method, target string }{
		{"GET", "/pricing"},
		{"GET", "/pricing?utm_source=x&pidx=1"},
		{"GET", "/pricing?a=1;pid=BERLIN01"},
		{"POST", "/forms/demo-request?pid=BERLIN01"},
		{"PUT", "/x?pid=BERLIN01"},
		{"GET", "/go/BERLIN01?to=/pricing"},
	}
	for _, tt := range tests {
		resp := serve(t, handler, tt.method, tt.target)
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Next") != "yes" {
			t.Errorf("%s %s: status %d, want the next handler", tt.method, tt.target, resp.StatusCode)
		}
	}
	if resp := serve(t, handler, "HEAD", "/x?pid=BERLIN01"); resp.StatusCode != http.StatusFound || cookieOf(resp) == nil {
		t.Errorf("HEAD with pid: status %d, cookie %v; want 302 with cookie", resp.StatusCode, cookieOf(resp))
	}
}

func TestRedirectSuspendedAfterRefresh(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	if cookieOf(serve(t, handler, "GET", "/?pid=PARIS002")) == nil {
		t.Fatal("active partner: no cookie")
	}
	fx.partners.set(
		PartnerInfo{ID: "ptr_berlin", PID: "BERLIN01", Active: true},
		PartnerInfo{ID: "ptr_paris", PID: "PARIS002", Active: false},
	)
	if cookieOf(serve(t, handler, "GET", "/?pid=PARIS002")) == nil {
		t.Fatal("the snapshot changed before Refresh")
	}
	if err := fx.cfg.Directory.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := cookieOf(serve(t, handler, "GET", "/?pid=PARIS002")); c != nil {
		t.Errorf("suspended partner still sets a cookie: %v", c)
	}
	fx.partners.err = errStoreDown
	if err := fx.cfg.Directory.Refresh(context.Background()); err == nil {
		t.Error("Refresh did not report the source's error")
	}
	if _, ok := fx.cfg.Directory.Lookup("berlin01"); !ok {
		t.Error("a failed refresh dropped the snapshot")
	}
}

func TestRedirectCountsClicks(t *testing.T) {
	fx := MustFixture(t)
	fx.cfg.Clicks.SetDedupe(0)
	handler := NewMiddleware(fx.cfg, nextHandler)
	for range 3 {
		serve(t, handler, "GET", "/?pid=BERLIN01")
	}
	serve(t, handler, "GET", "/?pid=paris002")
	serve(t, handler, "GET", "/?pid=OSLO0003")
	if err := fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fx.clicks.total("ptr_berlin 2026-03-14"); got != 3 {
		t.Errorf("berlin clicks %d, want 3", got)
	}
	if got := fx.clicks.total("ptr_paris 2026-03-14"); got != 1 {
		t.Errorf("paris clicks %d, want 1", got)
	}
	if got := fx.clicks.sum(); got != 4 {
		t.Errorf("total clicks %d, want 4", got)
	}
}

// TestRedirectDedupesClicks: one client's clicks on one PID count once per
// window (the redirect and the cookie stay the same); another client, another
// PID or a later window count again.
func TestRedirectDedupesClicks(t *testing.T) {
	fx := MustFixture(t)
	now := testNow
	fx.cfg.Now = func() time.Time { return now }
	handler := NewMiddleware(fx.cfg, nextHandler)
	from := func(addr, target string) {
		t.Helper()
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if resp := w.Result(); resp.StatusCode != http.StatusFound || cookieOf(resp) == nil {
			t.Fatalf("%s %s: status %d, cookie %v", addr, target, resp.StatusCode, cookieOf(resp))
		}
	}
	for range 5 {
		from("198.51.100.7:1000", "/?pid=BERLIN01")
	}
	from("198.51.100.7:2000", "/docs?pid=berlin01") // another port, path and case: the same client and PID
	from("198.51.100.8:1000", "/?pid=BERLIN01")     // another client
	from("198.51.100.7:1000", "/?pid=PARIS002")     // another PID
	now = now.Add(DefaultClickDedupe - time.Second)
	from("198.51.100.7:1000", "/?pid=BERLIN01") // still within the window
	now = now.Add(2 * time.Second)
	from("198.51.100.7:1000", "/?pid=BERLIN01") // the window has passed
	if err := fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fx.clicks.total("ptr_berlin 2026-03-14"); got != 3 {
		t.Errorf("berlin clicks %d, want 3", got)
	}
	if got := fx.clicks.total("ptr_paris 2026-03-14"); got != 1 {
		t.Errorf("paris clicks %d, want 1", got)
	}
}

// TestClickDedupeIsBounded: a flood of distinct clients never grows the
// dedupe past its cap.
func TestClickDedupeIsBounded(t *testing.T) {
	d := newClickDedupe(time.Hour)
	pid := []byte("BERLIN01")
	for i := range dedupeShards * dedupeShardCap * 2 {
		if !d.first(strconv.Itoa(i), pid, testNow) {
			t.Fatalf("client %d counted as seen", i)
		}
	}
	for i := range d.shards {
		if n := len(d.shards[i].seen); n > dedupeShardCap {
			t.Fatalf("shard %d holds %d entries, cap %d", i, n, dedupeShardCap)
		}
	}
}

// TestServicePathsAreNotRedirected: a pid on leadrouter's own paths is no
// referral: no redirect, no cookie, no click.
func TestServicePathsAreNotRedirected(t *testing.T) {
	fx := MustFixture(t)
	fx.cfg.Clicks.SetDedupe(0)
	handler := NewMiddleware(fx.cfg, nextHandler)
	for _, target := range []string{
		"/api/x?pid=BERLIN01", "/api?pid=BERLIN01", "/portal/?pid=BERLIN01", "/portal?pid=BERLIN01",
		"/forms/f1?pid=BERLIN01", "/healthz?pid=BERLIN01", "/metrics?pid=BERLIN01",
		"/x/../api/x?pid=BERLIN01", "/%61pi/x?pid=BERLIN01", "//api/x?pid=BERLIN01",
	} {
		resp := serve(t, handler, "GET", target)
		if resp.StatusCode != http.StatusTeapot || cookieOf(resp) != nil {
			t.Errorf("%s: status %d, cookie %v; want it passed on untouched", target, resp.StatusCode, cookieOf(resp))
		}
	}
	for _, target := range []string{"/apix?pid=BERLIN01", "/API/x?pid=BERLIN01", "/site/api/x?pid=BERLIN01"} {
		if resp := serve(t, handler, "GET", target); resp.StatusCode != http.StatusFound {
			t.Errorf("%s: status %d, want 302 (a site path)", target, resp.StatusCode)
		}
	}
	if err := fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fx.clicks.sum(); got != 3 {
		t.Errorf("clicks %d, want 3 (the site paths only)", got)
	}
}

func TestIsSecure(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", false},
		{"127.0.0.2:8080", false},
		{"localhost:8080", false},
		{"LOCALHOST", false},
		{"app.localhost:80", false},
		{"[::1]:8080", false},
		{":8080", true},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"10.0.0.5:8080", true},
		{"leadrouter.vendor.example:443", true},
	}
	for _, tt := range tests {
		if got := IsSecure(tt.addr); got != tt.want {
			t.Errorf("IsSecure(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestRedirectKeepsOtherCookies(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1"})
		handler.ServeHTTP(w, r)
	})
	resp := serve(t, wrapped, "GET", "/?pid=BERLIN01")
	if got := len(resp.Cookies()); got != 2 || cookieOf(resp) == nil {
		t.Errorf("cookies %v, want session and lr_ref", resp.Cookies())
	}
}
