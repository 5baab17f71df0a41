package egress_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/egress"
)

// refusedHosts are spellings of special-purpose addresses, each refused
// at subscription and at connect time.
var refusedHosts = []string{
	"169.254.169.254", "127.0.0.1:5432", "[::1]", "10.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1",
	"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "0.0.0.0", "[::]", "172.16.0.1", "192.168.1.1",
	"[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "100.64.0.1", "224.0.0.1", "255.255.255.255", "[ff02::1]",
	"0x7f.0.0.1", "127.0.0.1.", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "017700000001", "1.2.3.4.5", "256.0.0.1",
}

func TestCheckURLRefusesSpecialAddresses(t *testing.T) {
	var p egress.Policy
	for _, host := range refusedHosts {
		if msg := p.CheckURL("http://" + host + "/hook"); msg == "" {
			t.Errorf("%s accepted", host)
		}
	}
	for _, raw := range []string{"ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/", "http://user@example.com/",
		"example.com/hook", "http:///hook", "gopher://example.com/"} {
		if msg := p.CheckURL(raw); msg == "" {
			t.Errorf("%s accepted", raw)
		}
	}
	for _, raw := range []string{"https://hooks.example.com/x", "http://93.184.215.14:8080/", "https://[2606:4700::1111]/", "https://0day.example/"} {
		if msg := p.CheckURL(raw); msg != "" {
			t.Errorf("%s refused: %s", raw, msg)
		}
	}
	allowed := egress.Policy{Allow: mustAllow(t, "127.0.0.0/8,10.1.2.3")}
	for _, raw := range []string{"http://127.0.0.1:9000/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://10.1.2.3/"} {
		if msg := allowed.CheckURL(raw); msg != "" {
			t.Errorf("allowed range: %s refused: %s", raw, msg)
		}
	}
	if msg := allowed.CheckURL("http://10.1.2.4/"); msg == "" {
		t.Error("10.1.2.4 is outside the allowed ranges but accepted")
	}
}

func TestParseHostOddSpellings(t *testing.T) {
	for host, want := range map[string]string{"2130706433": "127.0.0.1", "0x7f000001": "127.0.0.1", "127.1": "127.0.0.1",
		"0177.0.0.1": "127.0.0.1", "10.1": "10.0.0.1", "169.254.43518": "169.254.169.254", "[::ffff:127.0.0.1]": "::ffff:127.0.0.1"} {
		a, ok, err := egress.ParseHost(host)
		if err != nil || !ok || a.String() != want {
			t.Errorf("ParseHost(%q) = %v %v %v, want %s", host, a, ok, err, want)
		}
	}
	if _, ok, err := egress.ParseHost("hooks.example.com"); ok || err != nil {
		t.Errorf("a name read as an address: %v %v", ok, err)
	}
}

func mustAllow(t *testing.T, list string) []netip.Prefix {
	t.Helper()
	p, err := egress.ParseAllow(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A connection is checked on the address it is made to: a name resolving
// to loopback is refused, and so is every odd spelling, before any byte
// reaches the listener.
func TestClientRefusesAtConnectTime(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	client := egress.Policy{}.Client(2 * time.Second)
	urls := []string{"http://localhost:" + port + "/", srv.URL + "/"}
	for _, host := range refusedHosts {
		h, _, err := net.SplitHostPort(host)
		if err != nil {
			h = host
		}
		if !strings.HasPrefix(h, "[") && strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		urls = append(urls, "http://"+h+":"+port+"/")
	}
	for _, u := range urls {
		resp, err := client.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: delivered", u)
			continue
		}
		if !errors.Is(err, egress.ErrRefused) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback listener got %d requests", hits.Load())
	}
	// With the range allowed the same listener is reached.
	allowed := egress.Policy{Allow: mustAllow(t, "127.0.0.0/8,::1")}.Client(2 * time.Second)
	resp, err := allowed.Post("http://localhost:"+port+"/", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits %d, want 1", hits.Load())
	}
}

// A name resolving to loopback through a resolver (not only /etc/hosts) is
// refused too: the check runs on the dialed address, whatever resolved it.
func TestControlChecksResolvedAddress(t *testing.T) {
	var p egress.Policy
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:127.0.0.1]:80", "169.254.169.254:80", "10.0.0.1:80"} {
		if err := p.Control("tcp", addr, nil); !errors.Is(err, egress.ErrRefused) {
			t.Errorf("Control(%s) = %v", addr, err)
		}
	}
	if err := p.Control("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("a public address refused: %v", err)
	}
}

// A redirect is the answer: the client does not follow it.
func TestClientFollowsNoRedirect(t *testing.T) {
	var followed atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/stolen", http.StatusFound)
	}))
	defer srv.Close()
	client := egress.Policy{Allow: mustAllow(t, "127.0.0.0/8")}.Client(2 * time.Second)
	resp, err := client.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || followed.Load() != 0 {
		t.Fatalf("status %d, followed %d", resp.StatusCode, followed.Load())
	}
}
