package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// runMainWith starts a demo server on dbURL after configure has set the
// configuration up.
func runMainWith(tb testing.TB, dbURL string, configure func(*Config)) *Main {
	tb.Helper()
	m := NewMain()
	m.passwordCost = 4
	m.Config.Addr, m.Config.DB, m.Config.Demo, m.Config.SQLiteSync = "127.0.0.1:0", dbURL, true, "NORMAL"
	m.Config.ClickFlush, m.Config.FormRate, m.Config.FrontServer = 50*time.Millisecond, 10000, true
	configure(&m.Config)
	if err := m.Config.Validate(); err != nil {
		tb.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		tb.Fatalf("run: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

func mustProxies(tb testing.TB, list string) clientip.Proxies {
	tb.Helper()
	p, err := clientip.ParseProxies(list)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// rawGet sends a request without a cookie jar (a jar would not send Secure
// cookies over plain HTTP) and without following redirects.
func rawGet(tb testing.TB, method, target string, body io.Reader, header ...string) *http.Response {
	tb.Helper()
	req, _ := http.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

var loginCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn posts the sign-in form as a browser would, with header on both
// requests, and returns the answer to the post.
func signIn(tb testing.TB, base, email, password string, header ...string) *http.Response {
	tb.Helper()
	form := rawGet(tb, http.MethodGet, base+"/portal/login", nil, header...)
	b, _ := io.ReadAll(form.Body)
	m := loginCSRF.FindStringSubmatch(string(b))
	if m == nil || len(form.Cookies()) == 0 {
		tb.Fatalf("sign-in form: %d %v", form.StatusCode, form.Cookies())
	}
	ck := form.Cookies()[0]
	values := url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}
	header = append(header, "Content-Type", "application/x-www-form-urlencoded", "Cookie", ck.Name+"="+ck.Value)
	return rawGet(tb, http.MethodPost, base+"/portal/login", strings.NewReader(values.Encode()), header...)
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestTLSAwareness: with --public-url https://… or behind a trusted proxy
// that says X-Forwarded-Proto: https, lr_ref and the session cookie are
// Secure, the session cookie is __Host-lr_session (Path=/, no Domain) and
// responses carry HSTS; from an untrusted peer the header changes nothing
// and plain-HTTP loopback keeps lr_session without Secure.
func TestTLSAwareness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		public := runMainWith(t, storetest.MustURL(t, engine), func(c *Config) { c.PublicURL = "https://leads.vendor.example" })
		proxied := runMainWith(t, storetest.MustURL(t, engine), func(c *Config) { c.TrustedProxies = mustProxies(t, "127.0.0.1") })
		direct := runMainWith(t, storetest.MustURL(t, engine), func(c *Config) {})
		https := []string{"X-Forwarded-Proto", "https"}
		for _, tc := range []struct {
			name   string
			m      *Main
			header []string
			secure bool
		}{
			{"public https URL", public, nil, true},
			{"trusted proxy says https", proxied, https, true},
			{"trusted proxy, plain HTTP", proxied, nil, false},
			{"untrusted peer says https", direct, https, false},
			{"plain-HTTP loopback", direct, nil, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ref := rawGet(t, http.MethodGet, tc.m.URL()+"/pricing?pid="+demo.PIDBerlin, nil, tc.header...)
				lr := cookieNamed(ref, "lr_ref")
				if ref.StatusCode != http.StatusFound || lr == nil || lr.Secure != tc.secure {
					t.Fatalf("referral: %d %v", ref.StatusCode, ref.Header["Set-Cookie"])
				}
				resp := signIn(t, tc.m.URL(), "anna@berlin-systems.example", demo.Password, tc.header...)
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("sign in: %d", resp.StatusCode)
				}
				hsts := resp.Header.Get("Strict-Transport-Security")
				if tc.secure {
					s := cookieNamed(resp, "__Host-lr_session")
					if s == nil || !s.Secure || s.Path != "/" || s.Domain != "" || !s.HttpOnly || cookieNamed(resp, "lr_session") != nil {
						t.Fatalf("session cookie: %v", resp.Header["Set-Cookie"])
					}
					if hsts != "max-age=31536000" || ref.Header.Get("Strict-Transport-Security") != hsts {
						t.Fatalf("HSTS %q, on the referral %q", hsts, ref.Header.Get("Strict-Transport-Security"))
					}
					// The session works with the cookie a browser sends back.
					home := rawGet(t, http.MethodGet, tc.m.URL()+"/portal", nil, append(tc.header, "Cookie", s.Name+"="+s.Value)...)
					if home.StatusCode != http.StatusOK {
						t.Fatalf("portal with __Host-lr_session: %d", home.StatusCode)
					}
					return
				}
				s := cookieNamed(resp, "lr_session")
				if s == nil || s.Secure || s.Path != "/portal" || cookieNamed(resp, "__Host-lr_session") != nil || hsts != "" {
					t.Fatalf("session cookie %v, HSTS %q", resp.Header["Set-Cookie"], hsts)
				}
			})
		}
	})
}

// TestSignInThrottleByForwardedAddress: behind a trusted proxy the
// per-address budget is the client's (X-Forwarded-For), so one client's
// 20 failures do not lock out another; from an untrusted peer the header
// is ignored and every failure counts against the peer.
func TestSignInThrottleByForwardedAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		proxied := runMainWith(t, storetest.MustURL(t, engine), func(c *Config) { c.TrustedProxies = mustProxies(t, "127.0.0.0/8") })
		direct := runMainWith(t, storetest.MustURL(t, engine), func(c *Config) {})
		for _, m := range []*Main{proxied, direct} {
			for i := 0; i < 20; i++ {
				// 20 accounts, so only the address budget (20) is spent.
				email := "nobody" + string(rune('a'+i)) + "@example.com"
				if resp := signIn(t, m.URL(), email, "wrong", "X-Forwarded-For", "203.0.113.5"); resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d", i, resp.StatusCode)
				}
			}
		}
		if resp := signIn(t, proxied.URL(), "anna@berlin-systems.example", demo.Password, "X-Forwarded-For", "203.0.113.5"); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("the guessing client: %d", resp.StatusCode)
		}
		if resp := signIn(t, proxied.URL(), "anna@berlin-systems.example", demo.Password, "X-Forwarded-For", "203.0.113.6"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("another client behind the proxy: %d", resp.StatusCode)
		}
		if resp := signIn(t, direct.URL(), "anna@berlin-systems.example", demo.Password, "X-Forwarded-For", "203.0.113.6"); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("an untrusted peer's X-Forwarded-For was believed: %d", resp.StatusCode)
		}
	})
}

// TestDemoRestartRevokesPrintedTokens: a second start on the demo
// database prints new tokens and the ones printed before stop working.
func TestDemoRestartRevokesPrintedTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		dbURL := storetest.MustURL(t, engine)
		first := MustRunMain(t, dbURL)
		old := token(t, first, "admin@vendor.example")
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		second := MustRunMain(t, dbURL)
		fresh := token(t, second, "admin@vendor.example")
		if fresh == old {
			t.Fatal("the restart printed the same token")
		}
		for tok, want := range map[string]int{old: http.StatusUnauthorized, fresh: http.StatusOK} {
			if resp := rawGet(t, http.MethodGet, second.URL()+"/api/v1/partners", nil, "Authorization", "Bearer "+tok); resp.StatusCode != want {
				t.Fatalf("token printed %s: %d, want %d", map[bool]string{true: "before", false: "now"}[tok == old], resp.StatusCode, want)
			}
		}
	})
}

func TestListenAddrAndProxyFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ":8080"},
		{[]string{"--demo"}, "127.0.0.1:8080"},
		{[]string{"--demo", "--addr", ":9000"}, ":9000"},
	} {
		var c Config
		fs := flagSetDiscard()
		bindServeFlags(fs, &c)
		if err := parseFlags(fs, tc.args); err != nil || c.ListenAddr() != tc.want {
			t.Fatalf("%v: %q %v, want %q", tc.args, c.ListenAddr(), err, tc.want)
		}
	}
	var c Config
	fs := flagSetDiscard()
	bindServeFlags(fs, &c)
	if err := parseFlags(fs, []string{"--trusted-proxies", "10.0.0.0/8,proxy.internal"}); err == nil || !strings.Contains(err.Error(), "proxy.internal") {
		t.Fatalf("bad --trusted-proxies: %v", err)
	}
	c = Config{CookieDays: 90, LogFormat: "json", MaxBody: 1 << 20, Attribution: "last_touch", FormRate: 1, WebhookTimeout: time.Second, WebhookConcurrency: 1, PublicURL: "leads.vendor.example"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--public-url") {
		t.Fatalf("bad --public-url: %v", err)
	}
}
