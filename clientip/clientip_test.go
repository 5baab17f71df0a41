package clientip_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leadrouter/leadrouter/clientip"
)

// serve answers every request with what Middleware resolved, on a real
// socket (the peer is 127.0.0.1).
func serve(t *testing.T, proxies string, secure bool) string {
	t.Helper()
	p, err := clientip.ParseProxies(proxies)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(clientip.Middleware(p, secure, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := clientip.From(r)
		proto := "http"
		if c.HTTPS {
			proto = "https"
		}
		_, _ = io.WriteString(w, c.Addr+" "+proto)
	})))
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string, header ...string) (string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.Header
}

func TestForwardedHeadersOnlyFromTrustedPeers(t *testing.T) {
	untrusted := serve(t, "", false)
	trusted := serve(t, "10.0.0.0/8, 127.0.0.1", false)
	for _, tc := range []struct {
		name, url string
		header    []string
		want      string
	}{
		{"untrusted peer: headers ignored", untrusted, []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"}, "127.0.0.1 http"},
		{"no header", trusted, nil, "127.0.0.1 http"},
		{"trusted peer", trusted, []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"}, "203.0.113.9 https"},
		{"right-most untrusted hop", trusted, []string{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9 http"},
		{"a client cannot prepend itself away", trusted, []string{"X-Forwarded-For", "10.9.9.9", "X-Forwarded-For", "203.0.113.9"}, "203.0.113.9 http"},
		{"only trusted hops: the left-most", trusted, []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}, "10.0.0.5 http"},
		{"garbage stops the walk", trusted, []string{"X-Forwarded-For", "203.0.113.9, not-an-ip, 10.0.0.6"}, "10.0.0.6 http"},
		{"ports and IPv6", trusted, []string{"X-Forwarded-For", "[2001:db8::1]:443"}, "2001:db8::1 http"},
		{"proto http from the proxy", trusted, []string{"X-Forwarded-Proto", "http"}, "127.0.0.1 http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, h := get(t, tc.url, tc.header...)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			hsts := h.Get("Strict-Transport-Security")
			if (hsts != "") != (got[len(got)-5:] == "https") {
				t.Fatalf("HSTS %q for %q", hsts, got)
			}
		})
	}
	if _, h := get(t, serve(t, "", true)); h.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Fatalf("public HTTPS: HSTS %q", h.Get("Strict-Transport-Security"))
	}
}

func TestParseProxies(t *testing.T) {
	if _, err := clientip.ParseProxies(" 10.0.0.0/8,192.0.2.7 , ::1,"); err != nil {
		t.Fatal(err)
	}
	_, err := clientip.ParseProxies("10.0.0.0/33, example.com, 192.0.2.7")
	if err == nil || err.Error() != "not an address or CIDR: 10.0.0.0/33, example.com" {
		t.Fatalf("got %v", err)
	}
}
