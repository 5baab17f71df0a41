package tracking

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// frontPair serves one redirect middleware twice: through net/http alone
// and through a FrontServer, so tests can compare their answers.
type frontPair struct {
	plain, front string
	fs           *FrontServer
}

func startFrontPair(t *testing.T) (*fixture, frontPair) {
	t.Helper()
	f := MustFixture(t)
	handler := NewMiddleware(f.cfg, nextHandler)
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	frontLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	plain := &http.Server{Handler: handler, ReadHeaderTimeout: 2 * time.Second}
	go plain.Serve(plainLn)
	fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 5 * time.Second}}
	go fs.Serve(frontLn)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		plain.Shutdown(ctx)
		fs.Shutdown(ctx)
	})
	return f, frontPair{plain: plainLn.Addr().String(), front: frontLn.Addr().String(), fs: fs}
}

// exchange writes raw to addr and reads n responses; a response that
// cannot be read ends the list.
func exchange(t *testing.T, addr string, n int, raw ...string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	for i, piece := range raw {
		if i > 0 {
			time.Sleep(30 * time.Millisecond) // a slow client: the head in pieces
		}
		if _, err := io.WriteString(c, piece); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(c)
	var req *http.Request
	if strings.HasPrefix(raw[0], "HEAD ") {
		req = &http.Request{Method: http.MethodHead} // no body follows
	}
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			break
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.Header.Del("Date")
		resp.Header.Set("X-Body", string(body))
		out = append(out, resp)
	}
	return out
}

func describe(resps []*http.Response) string {
	var b strings.Builder
	for _, r := range resps {
		b.WriteString(r.Status + "\n")
		r.Header.Write(&b)
		b.WriteString("--\n")
	}
	return b.String()
}

// TestFrontServerAnswersAsNetHTTP sends the same bytes to net/http and to
// the front server: whether the front server answers a request itself or
// hands the connection to net/http, the responses must be the same.
func TestFrontServerAnswersAsNetHTTP(t *testing.T) {
	_, pair := startFrontPair(t)
	first := exchange(t, pair.plain, 1, "GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n")
	valid := cookieOf(first[0])
	if valid == nil {
		t.Fatal("no lr_ref from the first redirect")
	}
	long := strings.Repeat("x", 5000)
	cases := []struct {
		name string
		n    int
		raw  []string
	}{
		{"redirect", 1, []string{"GET /pricing?utm_source=x&pid=BERLIN01&utm_medium=y HTTP/1.1\r\nHost: www.vendor.example\r\nUser-Agent: t\r\n\r\n"}},
		{"keep-alive, pid in another case, repeated", 1, []string{"GET /a/b?PID=berlin01&x=%20y&pid=PARIS002&&z= HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nAccept: */*\r\n\r\n"}},
		{"earlier touches in the cookie", 1, []string{"GET /docs?pid=PARIS002 HTTP/1.1\r\nHost: a\r\nCookie: a=1; lr_ref=" + valid.Value + "; b=2\r\n\r\n"}},
		{"tampered cookie", 1, []string{"GET /docs?pid=PARIS002 HTTP/1.1\r\nHost: a\r\nCookie: lr_ref=" + valid.Value + "x\r\n\r\n"}},
		{"unknown and suspended PIDs", 1, []string{"GET /x?pid=NOPE0000&pid=OSLO0003 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"malformed PID", 1, []string{"GET /x?pid=%3Cscript%3E HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"scheme-relative path", 1, []string{"GET //evil.example/x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"backslash path", 1, []string{"GET /\\evil.example/x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"encoded slashes", 1, []string{"GET /%2F%2Fevil.example?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"encoded backslash", 1, []string{"GET /%5Cevil.example?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"Connection: close", 2, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /y?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"no pid", 1, []string{"GET /x?a=1 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"HEAD", 1, []string{"HEAD /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"POST with pid", 1, []string{"POST /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"}},
		{"GET with a body", 2, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /z HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"chunked GET", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}},
		{"HTTP/1.0", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.0\r\n\r\n"}},
		{"no Host", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\n\r\n"}},
		{"two Hosts", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}},
		{"bad escape", 1, []string{"GET /x%zz?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"absolute-form target", 1, []string{"GET http://evil.example/x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"folded header", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  2\r\n\r\n"}},
		{"bad header name", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nX A: 1\r\n\r\n"}},
		{"head beyond the buffer", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nX-Long: " + long + "\r\n\r\n"}},
		{"two Cookie headers", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: lr_ref=" + valid.Value + "\r\n\r\n"}},
		{"Upgrade", 1, []string{"GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"}},
		{"pipelined: redirect, then the site", 3, []string{"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\nGET /b?pid=PARIS002 HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"site, then a redirect on the handed-over connection", 2, []string{"GET /c HTTP/1.1\r\nHost: a\r\n\r\nGET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"}},
		{"a slow client", 1, []string{"GET /slow?pid=BER", "LIN01 HTTP/1.1\r\nHo", "st: a\r\n\r\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := describe(exchange(t, pair.plain, tc.n, tc.raw...))
			got := describe(exchange(t, pair.front, tc.n, tc.raw...))
			if got != want {
				t.Errorf("front server:\n%s\nnet/http:\n%s", got, want)
			}
			if want == "" {
				t.Error("no response at all")
			}
		})
	}
}

// TestFrontServerShutdown closes idle keep-alive connections, lets the
// net/http server finish the ones handed to it, and returns.
func TestFrontServerShutdown(t *testing.T) {
	f := MustFixture(t)
	handler := NewMiddleware(f.cfg, nextHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, IdleTimeout: time.Minute}}
	served := make(chan error, 1)
	go func() { served <- fs.Serve(ln) }()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := io.WriteString(idle, "GET /x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("redirect before shutdown: %v %v", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := fs.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	_ = idle.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("the idle connection is still open after Shutdown")
	}
	if time.Since(start) > 4*time.Second {
		t.Error("Shutdown waited for the idle connection")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting after Shutdown")
	}
}

// FuzzFrontRequest checks the front server's reader against net/http's:
// whatever head it accepts, net/http must read as the same GET of the
// same path, query and cookie, without a body.
func FuzzFrontRequest(f *testing.F) {
	for _, seed := range []string{
		"GET /pricing?utm_source=x&pid=BERLIN01&utm_medium=y HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /a?pid=b HTTP/1.1\r\nHost: a\r\nCookie: x=1; lr_ref=\"abc\"\r\nConnection: close\r\n\r\n",
		"GET //evil.example/%2F?pid=b HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
		"GET /\\x?pid=b HTTP/1.1\r\nhost: a\r\nX-Y:\t z \r\n\r\n",
		"GET /x?pid=b HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"GET /x?pid=b HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		if !bytes.HasSuffix(head, []byte("\r\n\r\n")) || bytes.Index(head, []byte("\r\n\r\n")) != len(head)-4 {
			return
		}
		var req frontRequest
		if !req.parse(head) {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("the front server accepts %q, net/http does not: %v", head, err)
		}
		if r.Method != http.MethodGet || r.Proto != "HTTP/1.1" || r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
			t.Fatalf("%q: net/http reads %s %s, length %d, %v", head, r.Method, r.Proto, r.ContentLength, r.TransferEncoding)
		}
		if r.URL.EscapedPath() != req.escapedPath || r.URL.RawQuery != req.rawQuery {
			t.Fatalf("%q: net/http reads %q?%q, the front server %q?%q", head, r.URL.EscapedPath(), r.URL.RawQuery, req.escapedPath, req.rawQuery)
		}
		if got := firstCookieValue(r); got != req.cookie {
			t.Fatalf("%q: net/http's lr_ref %q, the front server's %q", head, got, req.cookie)
		}
		if r.Close != req.close {
			t.Fatalf("%q: net/http's Close %v, the front server's %v", head, r.Close, req.close)
		}
	})
}
