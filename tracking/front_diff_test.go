package tracking

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rawExchange writes in to a fresh connection to addr, half-closes it (so
// neither server waits for more) and returns everything the server sent
// until it closed, with the Date headers blanked, followed by how the
// connection ended.
func rawExchange(tb testing.TB, addr string, in []byte) string {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(in); err != nil {
		return "write failed: " + err.Error()
	}
	_ = c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	end := "closed"
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		end = "still open after 5s"
	case err != nil:
		end = "reset"
	}
	return string(dateHeader.ReplaceAll(out, []byte("Date: -\r\n"))) + "\n[" + end + "]"
}

var dateHeader = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)

// diffServers is a net/http server and a front server in front of the same
// handler (the product's redirect middleware over a stand-in for the rest)
// on real sockets, configured alike.
type diffServers struct {
	plain, front string
	fx           *fixture
}

func startDiffServers(tb testing.TB) diffServers {
	tb.Helper()
	fx := MustFixture(tb)
	handler := NewMiddleware(fx.cfg, nextHandler)
	newServer := func() *http.Server {
		return &http.Server{Handler: handler, ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 3 * time.Second, MaxHeaderBytes: 64 << 10}
	}
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	frontLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	plain := newServer()
	go plain.Serve(plainLn)
	fs := &FrontServer{Redirect: handler, Server: newServer()}
	go fs.Serve(frontLn)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		plain.Shutdown(ctx)
		fs.Shutdown(ctx)
	})
	return diffServers{plain: plainLn.Addr().String(), front: frontLn.Addr().String(), fx: fx}
}

// compare sends in to both servers at once and fails if they answer
// differently (status, headers, bodies, and when they close).
func (d diffServers) compare(t *testing.T, in []byte) string {
	t.Helper()
	var plain, front string
	var wg sync.WaitGroup
	wg.Go(func() { plain = rawExchange(t, d.plain, in) })
	wg.Go(func() { front = rawExchange(t, d.front, in) })
	wg.Wait()
	if plain != front {
		t.Fatalf("input %q\nnet/http:\n%s\nfront server:\n%s", in, plain, front)
	}
	return plain
}

// diffSeeds are the seed corpus of FuzzFrontServerDiff and the cases of
// TestFrontServerDiff: the cases and the edges of what the front
// server answers itself.
var diffSeeds = []string{
	"GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: www.vendor.example\r\n\r\n",
	"GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: a b\r\n\r\n",
	"GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: evil.com/x\r\n\r\n",
	"GET /pricing?pid=BERLIN01 HTTP/1.1\nHost: a\n\n",
	"GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: a\n\r\n",
	"GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nX: 1\r\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\nGET /b?pid=PARIS002 HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /b?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\nGET /b?pid=BERLIN01 HTTP/1.1\r\nHost: a b\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\nGET /b?pid=BERLIN01 HTTP/1.1\r\nHo",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHo",
	"GET /api/x?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /portal/?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /x/../forms/f?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nCookie: lr_ref=x; b=2\r\nConnection: keep-alive\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: [::1]:80\r\nUser-Agent: \x80\xff\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	"GET /a?pid=BERLIN01 HTTP/1.0\r\nHost: a\r\n\r\n",
	"HEAD /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
	"\r\nGET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n",
}

// TestFrontServerDiff sends each seed to net/http and to the front server
// over real sockets: the bytes they answer and how they close must be the
// same.
func TestFrontServerDiff(t *testing.T) {
	d := startDiffServers(t)
	for _, seed := range diffSeeds {
		t.Run(strings.ReplaceAll(seed[:min(len(seed), 40)], "\r\n", "|"), func(t *testing.T) {
			d.compare(t, []byte(seed))
		})
	}
}

// TestFrontServerInvalidHost: a Host net/http refuses gets net/http's 400
// from the front server too, with no cookie and no click.
func TestFrontServerInvalidHost(t *testing.T) {
	d := startDiffServers(t)
	d.fx.cfg.Clicks.SetDedupe(0)
	for _, host := range []string{"a b", "evil.com/x"} {
		got := d.compare(t, []byte("GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: "+host+"\r\n\r\n"))
		if !strings.HasPrefix(got, "HTTP/1.1 400 ") || strings.Contains(got, "Set-Cookie") {
			t.Errorf("Host %q: %q, want a 400 without a cookie", host, got)
		}
	}
	if err := d.fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := d.fx.clicks.sum(); n != 0 {
		t.Errorf("%d clicks counted for refused requests", n)
	}
}

// TestFrontServerBareLF: a head with bare LF line endings is answered at
// once (by net/http), not after the header timeout. The client keeps the
// connection open, so only an answer ends the wait.
func TestFrontServerBareLF(t *testing.T) {
	d := startDiffServers(t)
	c, err := net.Dial("tcp", d.front)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /pricing?pid=BERLIN01 HTTP/1.1\nHost: a\n\n"); err != nil {
		t.Fatal(err)
	}
	// Well below the servers' 2 s ReadHeaderTimeout: a stalled head
	// would time out here instead of being answered.
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 12)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("no answer to a bare-LF head: %v", err)
	}
	if string(buf) != "HTTP/1.1 302" {
		t.Errorf("answer %q, want net/http's 302", buf)
	}
}

// TestFrontServerPipelinedClicks: 500 pipelined redirects from one client
// get 500 answers and count one click.
func TestFrontServerPipelinedClicks(t *testing.T) {
	d := startDiffServers(t)
	in := bytes.Repeat([]byte("GET /pricing?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"), 500)
	got := rawExchange(t, d.front, in)
	if n := strings.Count(got, "HTTP/1.1 302 Found\r\n"); n != 500 {
		t.Fatalf("%d redirects for 500 requests", n)
	}
	if err := d.fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := d.fx.clicks.total("ptr_berlin 2026-03-14"); n != 1 {
		t.Errorf("%d clicks, want 1", n)
	}
}

// TestFrontServerPanic: a panic answering one connection closes that
// connection; the server lives on and answers the next.
func TestFrontServerPanic(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, ReadHeaderTimeout: 2 * time.Second}}
	fs.testHook = func(path string) {
		if path == "/boom" {
			panic("injected")
		}
	}
	go fs.Serve(ln)
	t.Cleanup(func() { fs.Shutdown(context.Background()) })
	if got := rawExchange(t, ln.Addr().String(), []byte("GET /boom?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n")); got != "\n[closed]" {
		t.Errorf("the panicking request got %q, want the connection closed without an answer", got)
	}
	if got := rawExchange(t, ln.Addr().String(), []byte("GET /ok?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n")); !strings.HasPrefix(got, "HTTP/1.1 302 ") {
		t.Errorf("after a panic: %q, want a 302", got)
	}
}

// emfileListener fails its first Accept with EMFILE, as a process out of
// file descriptors does.
type emfileListener struct {
	net.Listener
	failed atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.failed.Add(1) == 1 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestFrontServerRetriesAccept: an EMFILE from Accept is retried, not the
// end of serving.
func TestFrontServerRetriesAccept(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &emfileListener{Listener: inner}
	fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, ReadHeaderTimeout: 2 * time.Second}}
	served := make(chan error, 1)
	go func() { served <- fs.Serve(ln) }()
	t.Cleanup(func() { fs.Shutdown(context.Background()) })
	if got := rawExchange(t, inner.Addr().String(), []byte("GET /ok?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n")); !strings.HasPrefix(got, "HTTP/1.1 302 ") {
		t.Errorf("after EMFILE: %q, want a 302", got)
	}
	if n := ln.failed.Load(); n < 2 {
		t.Errorf("Accept called %d times", n)
	}
	select {
	case err := <-served:
		t.Errorf("Serve returned %v", err)
	default:
	}
}

// FuzzFrontServerDiff sends the same raw bytes to a net/http server and to
// the front server in front of the same handler, over real TCP sockets,
// and requires the same answer: statuses, Location, Set-Cookie (the clock
// and secret are fixed), every other header and body byte except Date,
// and whether and when the connection is closed.
func FuzzFrontServerDiff(f *testing.F) {
	for _, seed := range diffSeeds {
		f.Add([]byte(seed))
	}
	d := startDiffServers(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || len(in) > 16<<10 {
			return
		}
		d.compare(t, in)
	})
}

// TestFrontServerServicePaths: over the front server too, a pid on
// leadrouter's own paths is passed on: no redirect, no cookie, no click.
func TestFrontServerServicePaths(t *testing.T) {
	d := startDiffServers(t)
	d.fx.cfg.Clicks.SetDedupe(0)
	for _, target := range []string{"/api/x?pid=BERLIN01", "/portal/?pid=BERLIN01", "/forms/f?pid=BERLIN01", "/healthz?pid=BERLIN01", "/metrics?pid=BERLIN01"} {
		got := rawExchange(t, d.front, []byte("GET "+target+" HTTP/1.1\r\nHost: a\r\n\r\n"))
		if !strings.HasPrefix(got, "HTTP/1.1 418 ") || strings.Contains(got, "Set-Cookie") {
			t.Errorf("%s: %q, want it passed on to the handler behind", target, got)
		}
	}
	if err := d.fx.cfg.Clicks.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := d.fx.clicks.sum(); n != 0 {
		t.Errorf("%d clicks counted on service paths", n)
	}
}

// TestFrontServerLingeringClose: a Connection: close redirect followed by
// far more pipelined bytes than the server reads still reaches the client
// whole, and the connection ends with a FIN, not a reset.
func TestFrontServerLingeringClose(t *testing.T) {
	d := startDiffServers(t)
	in := []byte("GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	in = append(in, bytes.Repeat([]byte("GET /b?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"), 3000)...)
	got := rawExchange(t, d.front, in)
	if !strings.HasPrefix(got, "HTTP/1.1 302 Found\r\n") || strings.Count(got, "HTTP/1.1") != 1 || !strings.HasSuffix(got, "[closed]") {
		t.Errorf("got %q, want one 302 and a clean close", got)
	}
}

// TestFrontServerTimeouts: the front server applies the http.Server's own
// deadlines as net/http does: ReadHeaderTimeout from the connection's start
// (a silent or slow client is closed without an answer even though
// IdleTimeout is long), IdleTimeout between requests (even though
// ReadHeaderTimeout is long). Each client waits far longer than the
// deadline under test and far less than the other.
func TestFrontServerTimeouts(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	start := func(header, idle time.Duration) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, ReadHeaderTimeout: header, IdleTimeout: idle}}
		go fs.Serve(ln)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			fs.Shutdown(ctx)
		})
		return ln.Addr().String()
	}
	// waitClose writes in, then reads until the server closes; the client
	// never half-closes, so only the server's deadline ends it.
	waitClose := func(addr, in string) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, in); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		out, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("%q: not closed by the server: %v", in, err)
		}
		return string(out)
	}
	short, long := 100*time.Millisecond, time.Hour
	headerBound := start(short, long)
	if got := waitClose(headerBound, ""); got != "" {
		t.Errorf("silent client: %q, want a close without an answer", got)
	}
	if got := waitClose(headerBound, "GET /a?pid=BERLIN01 HTTP/1.1\r\nHo"); got != "" {
		t.Errorf("slow head: %q, want a close without an answer", got)
	}
	idleBound := start(long, short)
	if got := waitClose(idleBound, "GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 302 ") || strings.Count(got, "HTTP/1.1") != 1 {
		t.Errorf("idle after a redirect: %q, want the 302, then a close", got)
	}
}

// TestFrontServerHandedHeadKeepsItsDeadline: a head handed to net/http
// part-way (here: longer than the front server's buffer) must be complete
// by the front server's header deadline, not get a second one from
// net/http. With a 1 s ReadHeaderTimeout, the client sends 3 KB of head,
// 2 KB more at 0.6 s (the front server hands over), and the end at 1.3 s:
// past the deadline counted from the start, within one counted from the
// hand-over. The connection must be closed without an answer.
func TestFrontServerHandedHeadKeepsItsDeadline(t *testing.T) {
	fx := MustFixture(t)
	handler := NewMiddleware(fx.cfg, nextHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &FrontServer{Redirect: handler, Server: &http.Server{Handler: handler, ReadHeaderTimeout: time.Second}}
	go fs.Serve(ln)
	t.Cleanup(func() { fs.Shutdown(context.Background()) })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, piece := range []string{"GET /a?pid=BERLIN01 HTTP/1.1\r\nHost: a\r\nX-Long: " + strings.Repeat("x", 3000), strings.Repeat("x", 2000), "\r\n\r\n"} {
		if _, err := io.WriteString(c, piece); err != nil {
			break // closed already
		}
		time.Sleep(650 * time.Millisecond)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	out, _ := io.ReadAll(c)
	if len(out) != 0 {
		t.Errorf("a head completed after the header deadline was answered: %q", out)
	}
}
