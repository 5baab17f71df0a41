package tracking

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
)

var testSiteHosts = []string{"www.vendor.example", "shop.vendor.example:8443", "localhost:8080"}

func TestAllowedTarget(t *testing.T) {
	allowed := []string{
		"/",
		"/pricing",
		"/pricing?utm_source=x&utm_medium=y",
		"/demo#form",
		"/a/b/../c",
		"/caf%C3%A9",
		"https://www.vendor.example",
		"https://www.vendor.example/",
		"https://www.vendor.example/pricing?x=1#top",
		"HTTPS://WWW.VENDOR.EXAMPLE/pricing",
		"http://www.vendor.example/",
		"https://www.vendor.example:443/",
		"http://www.vendor.example:80/",
		"https://www.vendor.example:/x",
		"https://shop.vendor.example:8443/cart",
		"https://www.vendor.example:8443/",
		"http://localhost:8080/demo",
		"https://www.vendor.example/a?next=https://evil.example/",
	}
	for _, raw := range allowed {
		got, err := AllowedTarget(raw, testSiteHosts)
		if err != nil || got != raw {
			t.Errorf("AllowedTarget(%q) = %q, %v; want it accepted unchanged", raw, got, err)
		}
	}

	refused := []string{
		"",
		// Other hosts and look-alikes.
		"https://evil.example/",
		"https://www.vendor.example.evil.example/",
		"https://evilwww.vendor.example/",
		"https://wwwvendor.example/",
		"https://vendor.example/",
		"https://www.vendor.example./",
		"https://shop.vendor.example/",
		"https://shop.vendor.example:443/",
		"http://localhost/",
		"http://localhost:8081/",
		// Scheme-relative and slash tricks.
		"//evil.example/",
		"//www.vendor.example/",
		"///evil.example/",
		`/\evil.example/`,
		`\/evil.example/`,
		`\\evil.example`,
		"https:///evil.example/",
		"https:/evil.example/",
		"https:evil.example",
		"https:\\\\evil.example",
		`https://www.vendor.example\@evil.example/`,
		`https://evil.example\.www.vendor.example/`,
		// Userinfo.
		"https://www.vendor.example@evil.example/",
		"https://user:pass@www.vendor.example/",
		"https://www.vendor.example:443@evil.example/",
		"https://evil.example%2F@www.vendor.example/",
		"https://evil.example%40www.vendor.example/",
		"https://evil.example#@www.vendor.example/",
		"https://evil.example?@www.vendor.example/",
		// Other schemes.
		"javascript:alert(1)",
		"JavaScript:alert(1)//www.vendor.example/",
		"javascript://www.vendor.example/%0aalert(1)",
		"data:text/html,<script>alert(1)</script>",
		"ftp://www.vendor.example/",
		"mailto:x@www.vendor.example",
		// Relative references that are not paths.
		"pricing",
		"./pricing",
		"?pid=BERLIN01",
		"#top",
		"evil.example",
		"www.vendor.example/pricing",
		// Whitespace, control characters and non-ASCII.
		" https://www.vendor.example/",
		"/\t/evil.example",
		"/\n/evil.example",
		"/pricing page",
		"https://www.vendor.example/\x00",
		"https://www.vendör.example/",
		"/é",
		// Malformed.
		"/%zz",
		"https://www.vendor.example:port/",
		"https://[::1/",
	}
	for _, raw := range refused {
		got, err := AllowedTarget(raw, testSiteHosts)
		if err == nil {
			t.Errorf("AllowedTarget(%q) = %q; want it refused", raw, got)
			continue
		}
		if code := leadrouter.ErrorCode(err); code != leadrouter.EINVALID {
			t.Errorf("AllowedTarget(%q) error code %q, want %q", raw, code, leadrouter.EINVALID)
		}
	}
}

func TestAllowedTargetSiteHostForms(t *testing.T) {
	tests := []struct {
		site, target string
		want         bool
	}{
		{"https://www.vendor.example/", "https://www.vendor.example/x", true},
		{" WWW.Vendor.Example ", "https://www.vendor.example/x", true},
		{"www.vendor.example:443", "https://www.vendor.example/x", true},
		{"www.vendor.example:443", "http://www.vendor.example/x", false},
		{"www.vendor.example", "http://www.vendor.example:8080/x", true},
		{"localhost", "http://LOCALHOST:9000/x", true},
		{"[::1]:8080", "http://[::1]:8080/x", true},
		{"", "https:///x", false},
	}
	for _, tt := range tests {
		_, err := AllowedTarget(tt.target, []string{tt.site})
		if got := err == nil; got != tt.want {
			t.Errorf("site %q, target %q: allowed %v, want %v (%v)", tt.site, tt.target, got, tt.want, err)
		}
	}
	if _, err := AllowedTarget("https://www.vendor.example/", nil); err == nil {
		t.Error("no site hosts: an absolute URL was allowed")
	}
	if _, err := AllowedTarget("/pricing", nil); err != nil {
		t.Errorf("no site hosts: a path was refused: %v", err)
	}
}

// browserHost returns the host a browser would navigate to for target,
// resolved against a page on base, following the WHATWG URL standard's
// reading of special (http, https) URLs: backslashes are slashes, tabs and
// newlines are removed, leading and trailing C0 controls and spaces are
// trimmed, any number of slashes may follow the scheme, and userinfo ends at
// the last '@' of the authority. It is deliberately independent of
// net/url, and errs on the side of reading an authority.
func browserHost(target, base string) (host string, ok bool) {
	target = strings.Trim(target, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	target = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(target)
	target = strings.ReplaceAll(target, `\`, "/")
	if i := strings.IndexAny(target, ":/?#"); i > 0 && target[i] == ':' {
		scheme := strings.ToLower(target[:i])
		validScheme := true
		for j, c := range scheme {
			if !(c >= 'a' && c <= 'z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
				validScheme = false
			}
		}
		if validScheme {
			if scheme != "http" && scheme != "https" {
				return "", false // javascript:, data:, … never a navigation we accept
			}
			// Whatever slashes follow, a browser may read an authority
			// ("http:evil.example" is http://evil.example/ from an https
			// page).
			return authorityHost(strings.TrimLeft(target[i+1:], "/")), true
		}
	}
	if strings.HasPrefix(target, "//") {
		return authorityHost(strings.TrimLeft(target, "/")), true
	}
	return base, true
}

// authorityHost returns the lower-cased host (with port) of what starts
// with an authority.
func authorityHost(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(s)
}

// FuzzAllowedTarget checks that every target AllowedTarget accepts lands,
// in a browser's reading, on this host or one of the site hosts.
func FuzzAllowedTarget(f *testing.F) {
	for _, seed := range []string{
		"/pricing?x=1",
		"https://www.vendor.example/a",
		"//evil.example",
		`/\evil.example`,
		"https://www.vendor.example@evil.example/",
		"https:evil.example",
		"javascript:alert(1)",
		"https://www.vendor.example.evil.example/",
		"HTTPS://WWW.VENDOR.EXAMPLE:443/",
		"http://[::1]:8080/",
	} {
		f.Add(seed)
	}
	const base = "leadrouter.invalid"
	allowedHosts := map[string]bool{base: true}
	for _, h := range testSiteHosts {
		allowedHosts[h] = true
	}
	portless := []string{"www.vendor.example"}
	f.Fuzz(func(t *testing.T, raw string) {
		target, err := AllowedTarget(raw, testSiteHosts)
		if err != nil {
			if target != "" {
				t.Fatalf("AllowedTarget(%q) returned %q with error %v", raw, target, err)
			}
			return
		}
		host, ok := browserHost(target, base)
		if name, _, hasPort := strings.Cut(host, ":"); hasPort && slices.Contains(portless, name) {
			host = name
		}
		if !ok || !allowedHosts[host] {
			t.Fatalf("AllowedTarget(%q) accepted %q, which a browser opens on %q", raw, target, host)
		}
		// net/url must agree.
		u, err := url.Parse(target)
		if err != nil {
			t.Fatalf("accepted %q does not parse: %v", target, err)
		}
		if u.Host != "" && !allowedHosts[strings.ToLower(u.Host)] && !slices.Contains(portless, strings.ToLower(u.Hostname())) {
			t.Fatalf("accepted %q has host %q", target, u.Host)
		}
		// What the short link sends is the target without pid.
		stripped, _, _ := strings.Cut(stripTargetPID(target), "#")
		if _, query, _ := strings.Cut(stripped, "?"); hasPIDParam(query) {
			t.Fatalf("stripTargetPID(%q) = %q keeps a pid", target, stripped)
		}
	})
}

func TestShortLink(t *testing.T) {
	fx := MustFixture(t)
	fx.cfg.Clicks.SetDedupe(0) // every case counts
	mux := http.NewServeMux()
	mux.Handle("GET /go/{pid}", NewShortLinkHandler(fx.cfg))
	tests := []struct {
		name       string
		target     string
		location   string
		wantCookie bool
	}{
		{"relative", "/go/BERLIN01?to=/pricing", "/pricing", true},
		{"lower-case PID", "/go/berlin01?to=/pricing", "/pricing", true},
		{"no to", "/go/BERLIN01", "/", true},
		{"query kept, pid removed", "/go/BERLIN01?to=" + url.QueryEscape("/pricing?a=1&pid=PARIS002&b=2#top"), "/pricing?a=1&b=2#top", true},
		{"absolute on a site host", "/go/BERLIN01?to=" + url.QueryEscape("https://shop.vendor.example:8443/cart?Pid=X"), "https://shop.vendor.example:8443/cart", true},
		{"unknown PID", "/go/NOBODY99?to=/pricing", "/pricing", false},
		{"suspended PID", "/go/OSLO0003?to=/pricing", "/pricing", false},
		{"malformed PID", "/go/x?to=/pricing", "/pricing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(t, mux, "GET", tt.target)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			c := cookieOf(resp)
			if (c != nil) != tt.wantCookie {
				t.Fatalf("cookie %v, want one: %v", c, tt.wantCookie)
			}
			if c != nil {
				touches, ok := fx.cfg.Codec.Decode(c.Value)
				landing, _, _ := strings.Cut(tt.location, "#")
				if !ok || len(touches) != 1 || touches[0].PID != "BERLIN01" || touches[0].Landing != landing {
					t.Errorf("touches %+v, want BERLIN01 landing on %q", touches, landing)
				}
				if !c.HttpOnly || c.Path != "/" || !c.Secure || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("cookie attributes %+v", c)
				}
			}
		})
	}
	if err := fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fx.clicks.total("ptr_berlin 2026-03-14"); got != 5 {
		t.Errorf("berlin clicks %d, want 5", got)
	}
}

func TestShortLinkRefusesOpenRedirects(t *testing.T) {
	fx := MustFixture(t)
	mux := http.NewServeMux()
	mux.Handle("GET /go/{pid}", NewShortLinkHandler(fx.cfg))
	for _, to := range []string{
		"https://evil.example/",
		"//evil.example/",
		`/\evil.example`,
		"https://www.vendor.example@evil.example/",
		"javascript:alert(1)",
		"https://www.vendor.example.evil.example/",
		"https://evilwww.vendor.example/",
		"",
	} {
		resp := serve(t, mux, "GET", "/go/BERLIN01?to="+url.QueryEscape(to))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("to=%q: status %d, want 400", to, resp.StatusCode)
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			t.Errorf("to=%q: Location %q on a refusal", to, loc)
		}
		if c := resp.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("to=%q: Set-Cookie on a refusal", to)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("to=%q: Content-Type %q", to, ct)
		}
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("to=%q: problem: %v", to, err)
		}
		if p.Type == "" || p.Title == "" || p.Status != 400 || p.Detail == "" {
			t.Errorf("to=%q: problem %+v", to, p)
		}
	}
}
