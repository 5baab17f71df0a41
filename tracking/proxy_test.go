package tracking

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestProxy(t *testing.T) {
	var seen *http.Request
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "http://"+r.Host+"/new?x=1", http.StatusFound)
		case "/away":
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		default:
			_, _ = io.WriteString(w, "upstream "+r.URL.RequestURI())
		}
	}))
	defer upstream.Close()
	upstreamURL, _ := url.Parse(upstream.URL)

	fx := MustFixture(t)
	front := httptest.NewServer(NewMiddleware(fx.cfg, NewProxy(upstreamURL)))
	defer front.Close()
	client := front.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, err := client.Get(front.URL + "/pricing?b=2&a=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "upstream /pricing?b=2&a=1" {
		t.Errorf("proxied body %q", body)
	}
	if seen.Header.Get("X-Forwarded-For") == "" || seen.Host != upstreamURL.Host {
		t.Errorf("upstream saw Host %q, X-Forwarded-For %q", seen.Host, seen.Header.Get("X-Forwarded-For"))
	}

	resp, err = client.Get(front.URL + "/pricing?b=2&pid=BERLIN01")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/pricing?b=2" || cookieOf(resp) == nil {
		t.Errorf("with pid: %d to %q, want the redirect with a cookie", resp.StatusCode, resp.Header.Get("Location"))
	}

	for path, want := range map[string]string{"/moved": "/new?x=1", "/away": "https://elsewhere.example/"} {
		resp, err = client.Get(front.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("%s: Location %q, want %q", path, got, want)
		}
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL, _ := url.Parse(down.URL)
	down.Close()
	w := httptest.NewRecorder()
	NewProxy(downURL).ServeHTTP(w, httptest.NewRequest("GET", "/pricing", nil))
	if w.Code != http.StatusBadGateway || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("status %d, Content-Type %q; want a 502 problem", w.Code, w.Header().Get("Content-Type"))
	}
}
