package tracking

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// FrontServer stands in front of a net/http server and answers the
// redirect itself. The redirect is what every visitor of the vendor's site
// crosses, and net/http's general machinery (header maps, the response
// writer, a goroutine handoff per request) costs several times the
// redirect's own work. The front server reads each request of a
// connection with a small HTTP/1.1 reader; a plain GET carrying pid on a
// site path is answered right there, with the same response the net/http
// handler gives (the same code builds it). At the first request that is
// anything else (another method, a body, an upgrade, HTTP/1.0, a header
// or Host the reader does not vouch for, a bare LF, a request that does
// not arrive whole within the buffer or is cut short), the connection -
// with every byte read so far - is handed to the net/http server for the
// rest of its life. So the front server never answers anything but the
// redirect, and any request it is unsure of gets net/http's own parsing
// and errors. Its deadlines, Accept retries, panic recovery and lingering
// close are net/http's too (see serveConn and Serve); FuzzFrontServerDiff
// compares it byte for byte with a running http.Server.
type FrontServer struct {
	// Redirect is the handler from NewMiddleware: its configuration
	// builds the fast answers.
	Redirect http.Handler
	// Server serves the connections handed over; its IdleTimeout and
	// ReadHeaderTimeout also bound the front server's reads.
	Server *http.Server

	// testHook, if set, is called with the path of each request the
	// front server answers itself, just before answering (tests panic
	// in it).
	testHook func(path string)

	handoff   *handoffListener
	mu        sync.Mutex
	listeners []net.Listener
	// listenersClosed is set (under mu) once Shutdown closed the
	// listeners; loops counts the Serve loops still accepting.
	listenersClosed bool
	loops           sync.WaitGroup
	conns           map[*frontConn]struct{}
	closing         atomic.Bool
	wg              sync.WaitGroup
}

// frontBufferSize is the read buffer of a connection: a request whose
// head does not fit goes to net/http.
const frontBufferSize = 4096

// Serve accepts connections on ln until Shutdown, and runs Server on the
// connections handed over. Like net/http's Serve it retries a temporary
// Accept error (EMFILE, ENFILE, a timeout) after 5 ms, doubling to 1 s.
func (f *FrontServer) Serve(ln net.Listener) error {
	h, ok := f.Redirect.(*redirector)
	if !ok {
		return errors.New("tracking: FrontServer.Redirect must come from NewMiddleware")
	}
	f.mu.Lock()
	if f.listenersClosed {
		f.mu.Unlock()
		return http.ErrServerClosed
	}
	if f.handoff == nil {
		f.handoff = newHandoffListener(ln.Addr())
		f.conns = map[*frontConn]struct{}{}
		go func() { _ = f.Server.Serve(f.handoff) }()
	}
	f.listeners = append(f.listeners, ln)
	f.loops.Add(1)
	f.mu.Unlock()
	defer f.loops.Done()
	var tempDelay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.closing.Load() {
				return http.ErrServerClosed
			}
			if !temporaryAcceptError(err) {
				return err
			}
			tempDelay = max(5*time.Millisecond, min(2*tempDelay, time.Second))
			h.cfg.Logger.Warn("front server: accept failed, retrying", slog.Any("err", err), slog.Duration("delay", tempDelay))
			time.Sleep(tempDelay)
			continue
		}
		tempDelay = 0
		fc := &frontConn{Conn: c, r: bufio.NewReaderSize(c, frontBufferSize), accepted: time.Now()}
		fc.isNew.Store(true)
		// A connection accepted as Shutdown closes the listener is served
		// all the same (its request may be on its way): Shutdown waits
		// for this loop before it waits for the connections.
		f.mu.Lock()
		f.conns[fc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.serveConn(h, fc)
	}
}

// temporaryAcceptError is net/http's test for an Accept error worth
// retrying: one that says it is temporary (EMFILE, ENFILE, ECONNABORTED,
// EINTR, timeouts).
func temporaryAcceptError(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// Shutdown stops accepting, closes the connections waiting for a request,
// lets those answering finish, then shuts the net/http server down.
func (f *FrontServer) Shutdown(ctx context.Context) error {
	f.closing.Store(true)
	f.mu.Lock()
	for _, ln := range f.listeners {
		ln.Close()
	}
	f.listenersClosed = true
	f.mu.Unlock()
	f.loops.Wait()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		f.mu.Lock()
		for fc := range f.conns {
			// As net/http: a connection between requests is closed, a
			// new one only once it has sent nothing for 5 s (its first
			// request may be on its way: closing it would answer
			// nothing).
			if fc.idle.Load() || fc.isNew.Load() && time.Since(fc.accepted) > 5*time.Second {
				fc.Conn.Close()
			}
		}
		f.mu.Unlock()
		select {
		case <-done:
			waiting = false
		case <-ctx.Done():
			f.mu.Lock()
			for fc := range f.conns {
				fc.Conn.Close()
			}
			f.mu.Unlock()
			waiting = false
		case <-tick.C:
		}
	}
	return f.Server.Shutdown(ctx)
}

type frontConn struct {
	net.Conn
	r *bufio.Reader
	// idle is set between requests, isNew until the first request's head
	// has arrived (since accepted).
	idle, isNew atomic.Bool
	accepted    time.Time
	// headDeadline is when the head being read must be complete; zero if
	// no ReadHeaderTimeout. handedDeadline caps the first read deadline
	// net/http sets on a handed-over connection (its header deadline),
	// so a head handed over is not given a second ReadHeaderTimeout.
	headDeadline, handedDeadline time.Time
}

// SetReadDeadline sets the read deadline, the first one after the hand-
// over no later than the front server's header deadline.
func (c *frontConn) SetReadDeadline(t time.Time) error {
	if limit := c.handedDeadline; !limit.IsZero() {
		c.handedDeadline = time.Time{}
		if t.IsZero() || t.After(limit) {
			t = limit
		}
	}
	return c.Conn.SetReadDeadline(t)
}

// Read drains what the front server buffered before reading the socket
// (net/http reads the handed-over connection through this).
func (c *frontConn) Read(p []byte) (int, error) {
	if c.r != nil {
		if c.r.Buffered() > 0 {
			return c.r.Read(p)
		}
		c.r = nil
	}
	return c.Conn.Read(p)
}

// rstAvoidanceDelay is how long a connection closed after a response
// drains what the client still sends (net/http waits as long), so that
// closing with unread pipelined requests does not reset the connection
// before the client has read the response.
const rstAvoidanceDelay = 500 * time.Millisecond

// serveConn answers the requests of c it vouches for and hands c to the
// net/http server at the first it does not. Its deadlines are net/http's,
// from the same http.Server: ReadHeaderTimeout (else ReadTimeout) for a
// request head, from the connection's start for the first request and
// from its first bytes for the later ones; IdleTimeout (else ReadTimeout)
// between requests; WriteTimeout for the answer. A panic closes only c.
func (f *FrontServer) serveConn(h *redirector, c *frontConn) {
	handedOff := false
	defer func() {
		if v := recover(); v != nil {
			handedOff = false
			h.cfg.Logger.Error("front server: panic serving a connection", slog.Any("panic", v),
				slog.String("remote", c.RemoteAddr().String()), slog.String("stack", string(debug.Stack())))
		}
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		if !handedOff {
			c.Conn.Close()
		}
		f.wg.Done()
	}()
	srv := f.Server
	headerTimeout, idleTimeout := srv.ReadHeaderTimeout, srv.IdleTimeout
	if headerTimeout <= 0 {
		headerTimeout = srv.ReadTimeout
	}
	if idleTimeout <= 0 {
		idleTimeout = srv.ReadTimeout
	}
	var out []byte
	client := "" // clientAddr of c, worked out at its first redirect
	for first := true; ; first = false {
		if !first {
			c.idle.Store(true)
			if f.closing.Load() {
				return
			}
		}
		if first {
			c.headDeadline = deadline(headerTimeout)
			_ = c.SetReadDeadline(c.headDeadline)
			if _, err := c.r.Peek(1); err != nil {
				return // nothing came: net/http closes without a word too
			}
			c.isNew.Store(false)
		} else {
			_ = c.SetReadDeadline(deadline(idleTimeout))
			if _, err := c.r.Peek(4); err != nil {
				return // as net/http: idle too long, or closed
			}
			c.headDeadline = deadline(headerTimeout)
			_ = c.SetReadDeadline(c.headDeadline)
		}
		c.idle.Store(false)
		head, err := readHead(c.r)
		var req frontRequest
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return // net/http closes a slow head without a word
			}
		}
		if err != nil || h.cfg.SecureFor != nil || !req.parse(head) || !hasPIDParam(req.rawQuery) || !sitePath(req.path) {
			// Not a head the front server vouches for, or the client
			// closed or reset before sending all of it: net/http reads
			// the same bytes (then the same end) and answers as it does.
			_ = c.SetDeadline(time.Time{})
			c.handedDeadline = c.headDeadline
			handedOff = f.handoff.give(c)
			return
		}
		if f.testHook != nil {
			f.testHook(req.path)
		}
		closeAfter := req.close || f.closing.Load() // net/http ends keep-alive once shutting down
		if client == "" {
			client = clientAddr(c.RemoteAddr().String())
		}
		s := h.cfg.Codec.getScratch()
		buf, locationEnd, found := h.appendRedirect(s, req.escapedPath, req.rawQuery, req.cookie, client)
		out = appendFound(out[:0], buf[:locationEnd], buf[locationEnd:], found, closeAfter)
		h.cfg.Codec.putScratch(s)
		if _, err := c.r.Discard(len(head)); err != nil {
			return
		}
		_ = c.SetWriteDeadline(deadline(srv.WriteTimeout))
		if _, err := c.Write(out); err != nil {
			return
		}
		if closeAfter {
			lingeringClose(c.Conn)
			return
		}
	}
}

// deadline is now+d, or no deadline if d is not positive (as net/http).
func deadline(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// lingeringClose half-closes c and drains what the client still sends for
// up to rstAvoidanceDelay (or until it closes too); the caller closes c.
func lingeringClose(c net.Conn) {
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(rstAvoidanceDelay))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 256<<10))
}

// errHandOff is readHead's answer for a head the front server leaves to
// net/http: too long for the buffer, or with a line ending other than CRLF.
var errHandOff = errors.New("tracking: head left to net/http")

// readHead waits until the request head (request line and headers, with
// the blank line) is in r's buffer and returns it. It returns errHandOff
// at once when a line ends in a bare LF (net/http's reader takes those;
// waiting for a CRLF would stall the client) or the buffer fills first,
// and the read's error if it fails.
func readHead(r *bufio.Reader) ([]byte, error) {
	for {
		b, _ := r.Peek(r.Buffered())
		switch n := scanHead(b); {
		case n > 0:
			return b[:n], nil
		case n < 0:
			return nil, errHandOff
		}
		if len(b) >= frontBufferSize {
			return nil, errHandOff
		}
		if _, err := r.Peek(len(b) + 1); err != nil {
			return nil, err
		}
	}
}

// scanHead returns the length of the head at the start of b (through the
// "\r\n\r\n"), 0 if b holds no whole head yet, -1 if a line of it ends in
// a bare LF.
func scanHead(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return 0
		}
		j += i
		if j == 0 || b[j-1] != '\r' {
			return -1
		}
		if j >= 3 && b[j-3] == '\r' && b[j-2] == '\n' {
			return j + 1
		}
		i = j + 1
	}
}

// frontRequest is what the redirect needs of a request head.
type frontRequest struct {
	path, escapedPath, rawQuery, cookie string
	// close is set by "Connection: close": answer, then close.
	close bool
}

// parse accepts only a head that net/http would parse the same way and
// route to the redirect: GET, an origin-form target that
// url.ParseRequestURI accepts (the parser net/http uses), HTTP/1.1,
// exactly one Host, at most one Cookie and one Connection (keep-alive or
// close), no body or framing headers (Content-Length, Transfer-Encoding),
// no Expect, Upgrade or Trailer, and only well-formed header lines.
func (req *frontRequest) parse(head []byte) bool {
	line, rest, ok := bytes.Cut(head, []byte("\r\n"))
	if !ok {
		return false
	}
	var target []byte
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		target = line[4:]
	default: // HEAD too: rare enough to leave to net/http
		return false
	}
	target, proto, ok := bytes.Cut(target, []byte(" "))
	if !ok || string(proto) != "HTTP/1.1" || len(target) == 0 || target[0] != '/' {
		return false
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	u, err := url.ParseRequestURI(string(target))
	if err != nil {
		return false
	}
	req.path, req.escapedPath, req.rawQuery = u.Path, u.EscapedPath(), u.RawQuery
	hosts, cookies, connections := 0, 0, 0
	for len(rest) > 0 {
		var h []byte
		h, rest, ok = bytes.Cut(rest, []byte("\r\n"))
		if !ok {
			return false
		}
		if len(h) == 0 {
			return len(rest) == 0 && hosts == 1
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok || len(name) == 0 || !validHeaderName(name) || !validHeaderValue(value) {
			return false
		}
		value = bytes.Trim(value, " \t")
		switch {
		case equalFold(name, "Host"):
			hosts++
			if !httpguts.ValidHostHeader(string(value)) {
				return false // net/http: 400 malformed Host header
			}
		case equalFold(name, "Cookie"):
			cookies++
			if cookies > 1 {
				return false
			}
			req.cookie, _, _ = nextCookieValue(string(value))
		case equalFold(name, "Connection"):
			connections++
			switch {
			case connections > 1:
				return false
			case equalFold(value, "close"):
				req.close = true
			case !equalFold(value, "keep-alive"):
				return false
			}
		case equalFold(name, "Content-Length"), equalFold(name, "Transfer-Encoding"), equalFold(name, "Expect"),
			equalFold(name, "Upgrade"), equalFold(name, "Trailer"):
			return false
		}
	}
	return false
}

func validHeaderName(b []byte) bool {
	for _, c := range b {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func validHeaderValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		d := s[i]
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// appendFound appends the 302 that net/http writes for the redirect
// handler: its headers in net/http's order (the handler's sorted, then
// Date, Content-Length and Connection).
func appendFound(dst, location, setCookie []byte, withCookie, close bool) []byte {
	dst = append(dst, "HTTP/1.1 302 Found\r\nCache-Control: no-store\r\nLocation: "...)
	dst = append(dst, location...)
	if withCookie {
		dst = append(dst, "\r\nSet-Cookie: "...)
		dst = append(dst, setCookie...)
	}
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, httpDate()...)
	dst = append(dst, "\r\nContent-Length: 0"...)
	if close {
		dst = append(dst, "\r\nConnection: close"...)
	}
	return append(dst, "\r\n\r\n"...)
}

// httpDate is the Date header's value, formatted once a second.
func httpDate() string {
	now := time.Now().Unix()
	if d := cachedDate.Load(); d != nil && d.unix == now {
		return d.text
	}
	d := &dateText{unix: now, text: time.Unix(now, 0).UTC().Format(http.TimeFormat)}
	cachedDate.Store(d)
	return d.text
}

type dateText struct {
	unix int64
	text string
}

var cachedDate atomic.Pointer[dateText]

// handoffListener is the net.Listener the net/http server accepts the
// handed-over connections from.
type handoffListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give passes c to the net/http server; false if it has shut down.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }
