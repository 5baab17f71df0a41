package tracking

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// FrontServer stands in front of a net/http server and answers the
// redirect itself. The redirect is what every visitor of the vendor's site
// crosses, and net/http's general machinery (header maps, the response
// writer, a goroutine handoff per request) costs several times the
// redirect's own work. The front server reads each request of a
// connection with a small HTTP/1.1 reader; a plain GET or HEAD carrying
// pid is answered right there, with the same response the net/http
// handler gives (the same code builds it). At the first request that is
// anything else (another method, a body, an upgrade, HTTP/1.0, a header
// the reader does not vouch for, a request that does not arrive whole
// within the buffer), the connection - with every byte read so far - is
// handed to the net/http server for the rest of its life. So the front
// server never answers anything but the redirect, and any request it is
// unsure of gets net/http's own parsing and errors.
type FrontServer struct {
	// Redirect is the handler from NewMiddleware: its configuration
	// builds the fast answers.
	Redirect http.Handler
	// Server serves the connections handed over; its IdleTimeout and
	// ReadHeaderTimeout also bound the front server's reads.
	Server *http.Server

	handoff   *handoffListener
	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*frontConn]struct{}
	closing   atomic.Bool
	wg        sync.WaitGroup
}

// frontBufferSize is the read buffer of a connection: a request whose
// head does not fit goes to net/http.
const frontBufferSize = 4096

// Serve accepts connections on ln until Shutdown, and runs Server on the
// connections handed over.
func (f *FrontServer) Serve(ln net.Listener) error {
	h, ok := f.Redirect.(*redirector)
	if !ok {
		return errors.New("tracking: FrontServer.Redirect must come from NewMiddleware")
	}
	f.mu.Lock()
	if f.handoff == nil {
		f.handoff = newHandoffListener(ln.Addr())
		f.conns = map[*frontConn]struct{}{}
		go func() { _ = f.Server.Serve(f.handoff) }()
	}
	f.listeners = append(f.listeners, ln)
	f.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.closing.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		fc := &frontConn{Conn: c, r: bufio.NewReaderSize(c, frontBufferSize)}
		f.mu.Lock()
		if f.closing.Load() {
			f.mu.Unlock()
			c.Close()
			return http.ErrServerClosed
		}
		f.conns[fc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.serveConn(h, fc)
	}
}

// Shutdown stops accepting, closes the connections waiting for a request,
// lets those answering finish, then shuts the net/http server down.
func (f *FrontServer) Shutdown(ctx context.Context) error {
	f.closing.Store(true)
	f.mu.Lock()
	for _, ln := range f.listeners {
		ln.Close()
	}
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		f.mu.Lock()
		for fc := range f.conns {
			if fc.idle.Load() {
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
	r    *bufio.Reader
	idle atomic.Bool
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

func (f *FrontServer) serveConn(h *redirector, c *frontConn) {
	handedOff := false
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
		if !handedOff {
			c.Conn.Close()
		}
		f.wg.Done()
	}()
	idleTimeout, headerTimeout := f.Server.IdleTimeout, f.Server.ReadHeaderTimeout
	if headerTimeout <= 0 {
		headerTimeout = 10 * time.Second
	}
	if idleTimeout <= 0 {
		idleTimeout = headerTimeout
	}
	var out []byte
	for {
		c.idle.Store(true)
		if f.closing.Load() {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(idleTimeout))
		if _, err := c.r.Peek(1); err != nil {
			return // closed, idle too long, or shut down
		}
		c.idle.Store(false)
		head, ok := bufferedHead(c.r)
		if !ok {
			// The head is not all there yet: wait for it (bounded by
			// the header timeout) within the buffer.
			_ = c.SetReadDeadline(time.Now().Add(headerTimeout))
			head, ok = readHead(c.r)
		}
		var req frontRequest
		if !ok || h.cfg.SecureFor != nil || !req.parse(head) || !hasPIDParam(req.rawQuery) {
			_ = c.SetDeadline(time.Time{})
			handedOff = f.handoff.give(c)
			return
		}
		s := h.cfg.Codec.getScratch()
		buf, locationEnd, found := h.appendRedirect(s, req.escapedPath, req.rawQuery, req.cookie)
		out = appendFound(out[:0], buf[:locationEnd], buf[locationEnd:], found, req.close)
		h.cfg.Codec.putScratch(s)
		if _, err := c.r.Discard(len(head)); err != nil {
			return
		}
		_ = c.SetWriteDeadline(time.Now().Add(headerTimeout))
		if _, err := c.Write(out); err != nil || req.close {
			return
		}
	}
}

// bufferedHead returns the request head (request line and headers, with
// the blank line) if it is already in r's buffer.
func bufferedHead(r *bufio.Reader) ([]byte, bool) {
	b, _ := r.Peek(r.Buffered())
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return b[:i+4], true
	}
	return nil, false
}

// readHead waits until the head is in r's buffer; false if the buffer
// fills first or the read fails.
func readHead(r *bufio.Reader) ([]byte, bool) {
	for n := r.Buffered() + 1; n <= frontBufferSize; n = r.Buffered() + 1 {
		if _, err := r.Peek(n); err != nil {
			return nil, false
		}
		if head, ok := bufferedHead(r); ok {
			return head, true
		}
	}
	return nil, false
}

// frontRequest is what the redirect needs of a request head.
type frontRequest struct {
	escapedPath, rawQuery, cookie string
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
	req.escapedPath, req.rawQuery = u.EscapedPath(), u.RawQuery
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
// Connection, Date and Content-Length).
func appendFound(dst, location, setCookie []byte, withCookie, close bool) []byte {
	dst = append(dst, "HTTP/1.1 302 Found\r\nCache-Control: no-store\r\nLocation: "...)
	dst = append(dst, location...)
	if withCookie {
		dst = append(dst, "\r\nSet-Cookie: "...)
		dst = append(dst, setCookie...)
	}
	if close {
		dst = append(dst, "\r\nConnection: close"...)
	}
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, httpDate()...)
	return append(dst, "\r\nContent-Length: 0\r\n\r\n"...)
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
