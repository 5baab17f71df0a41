package tracking

import (
	"testing"

	"github.com/leadrouter/leadrouter"
)

func TestBuildLink(t *testing.T) {
	sites := []string{"www.vendor.example", "shop.vendor.example:8443"}
	tests := []struct {
		name, raw, pid string
		sites          []string
		url, html      string
	}{
		{
			name: "absolute", raw: "https://www.vendor.example/pricing", pid: "berlin01",
			url:  "https://www.vendor.example/pricing?pid=BERLIN01",
			html: `<a href="https://www.vendor.example/pricing?pid=BERLIN01">https://www.vendor.example/pricing</a>`,
		},
		{
			name: "parameters kept in order", raw: "https://www.vendor.example/p?b=2&a=1&b=3", pid: "BERLIN01",
			url:  "https://www.vendor.example/p?b=2&a=1&b=3&pid=BERLIN01",
			html: `<a href="https://www.vendor.example/p?b=2&amp;a=1&amp;b=3&amp;pid=BERLIN01">https://www.vendor.example/p?b=2&amp;a=1&amp;b=3</a>`,
		},
		{
			name: "previous pid replaced", raw: "https://www.vendor.example/p?PID=OTHER1&x=1", pid: "BERLIN01",
			url:  "https://www.vendor.example/p?x=1&pid=BERLIN01",
			html: `<a href="https://www.vendor.example/p?x=1&amp;pid=BERLIN01">https://www.vendor.example/p?x=1</a>`,
		},
		{
			name: "fragment stays last", raw: "https://shop.vendor.example:8443/cart#top", pid: "BERLIN01",
			url:  "https://shop.vendor.example:8443/cart?pid=BERLIN01#top",
			html: `<a href="https://shop.vendor.example:8443/cart?pid=BERLIN01#top">https://shop.vendor.example:8443/cart#top</a>`,
		},
		{
			name: "relative resolved against the first site host", raw: " /products/erp?utm_source=partner ", pid: "BERLIN01",
			url:  "https://www.vendor.example/products/erp?utm_source=partner&pid=BERLIN01",
			html: `<a href="https://www.vendor.example/products/erp?utm_source=partner&amp;pid=BERLIN01">https://www.vendor.example/products/erp?utm_source=partner</a>`,
		},
		{
			name: "loopback site over http", raw: "/demo", pid: "BERLIN01", sites: []string{"localhost:8080"},
			url:  "http://localhost:8080/demo?pid=BERLIN01",
			html: `<a href="http://localhost:8080/demo?pid=BERLIN01">http://localhost:8080/demo</a>`,
		},
		{
			name: "escaped markup", raw: `/search?q=%22%3E%3Cscript%3E&t='x'`, pid: "BERLIN01",
			url:  `https://www.vendor.example/search?q=%22%3E%3Cscript%3E&t='x'&pid=BERLIN01`,
			html: `<a href="https://www.vendor.example/search?q=%22%3E%3Cscript%3E&amp;t=&#39;x&#39;&amp;pid=BERLIN01">https://www.vendor.example/search?q=%22%3E%3Cscript%3E&amp;t=&#39;x&#39;</a>`,
		},
		{
			name: "raw markup percent-encoded", raw: "/pricing\"><script>?q={a}|`b`^c", pid: "BERLIN01",
			url:  `https://www.vendor.example/pricing%22%3E%3Cscript%3E?q=%7Ba%7D%7C%60b%60%5Ec&pid=BERLIN01`,
			html: `<a href="https://www.vendor.example/pricing%22%3E%3Cscript%3E?q=%7Ba%7D%7C%60b%60%5Ec&amp;pid=BERLIN01">https://www.vendor.example/pricing%22%3E%3Cscript%3E?q=%7Ba%7D%7C%60b%60%5Ec</a>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sites
			if s == nil {
				s = sites
			}
			url, html, err := BuildLink(tt.raw, tt.pid, s)
			if err != nil {
				t.Fatal(err)
			}
			if url != tt.url {
				t.Errorf("url %q, want %q", url, tt.url)
			}
			if html != tt.html {
				t.Errorf("html %s\nwant %s", html, tt.html)
			}
		})
	}
}

func TestBuildLinkRefuses(t *testing.T) {
	sites := []string{"www.vendor.example"}
	tests := []struct {
		name, raw, pid string
		sites          []string
	}{
		{"other host", "https://evil.example/", "BERLIN01", sites},
		{"look-alike host", "https://www.vendor.example.evil.example/", "BERLIN01", sites},
		{"scheme-relative", "//evil.example/", "BERLIN01", sites},
		{"javascript", "javascript:alert(1)", "BERLIN01", sites},
		{"bad PID", "/pricing", "BER-01", sites},
		{"empty", "", "BERLIN01", sites},
		{"relative without site hosts", "/pricing", "BERLIN01", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, html, err := BuildLink(tt.raw, tt.pid, tt.sites)
			if err == nil {
				t.Fatalf("BuildLink = %q, %q; want an error", url, html)
			}
			if code := leadrouter.ErrorCode(err); code != leadrouter.EINVALID {
				t.Errorf("error code %q, want invalid", code)
			}
		})
	}
}
