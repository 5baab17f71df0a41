package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestShutdownUnderLoad closes a server ten times while 32 clients hammer
// it with reads and captures: every request gets an answer (a 503 with
// Retry-After once draining, after which a client, like a load balancer,
// sends this instance nothing more) or its new connection is refused; no
// client ever sees a reset or a broken pipe; once closed, the server
// refuses connections.
func TestShutdownUnderLoad(t *testing.T) {
	dbURL := storetest.MustURL(t, store.SQLite)
	for cycle := range 10 {
		m := newMain(dbURL, cycle == 0)
		// Long enough, even on a loaded machine, for every client to have
		// its 503 (the drain ends as soon as they have all gone).
		m.Config.ShutdownDrain = 10 * time.Second
		if err := m.Run(context.Background()); err != nil {
			t.Fatalf("run: %v", err)
		}
		if cycle == 0 {
			tokens = map[string]string{}
			for _, c := range m.DemoCredentials {
				tokens[c.Email] = c.Token
			}
		}
		base := m.URL()
		var stop atomic.Bool
		var answered, refused atomic.Int64
		var wg sync.WaitGroup
		transport := &http.Transport{MaxIdleConnsPerHost: 32}
		client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; !stop.Load(); n++ {
					req := loadRequest(base, cycle, i, n)
					var idleReused atomic.Bool
					req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
						GotConn: func(info httptrace.GotConnInfo) { idleReused.Store(info.Reused && info.WasIdle) },
					}))
					resp, err := client.Do(req)
					if err != nil {
						// A request sent on a keep-alive connection as the
						// server closed it between requests met HTTP/1.1's
						// inherent race (RFC 9112 9.3.1): the server read
						// nothing of it; the connection was closed, not
						// reset mid-answer.
						if refusedDial(err) || idleReused.Load() && errors.Is(err, io.EOF) {
							refused.Add(1)
							time.Sleep(10 * time.Millisecond)
							continue
						}
						t.Errorf("cycle %d: %s %s: %v", cycle, req.Method, req.URL.Path, err)
						return
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Errorf("cycle %d: reading %s: %v", cycle, req.URL.Path, err)
						return
					}
					answered.Add(1)
					switch {
					case resp.StatusCode == http.StatusServiceUnavailable:
						if resp.Header.Get("Retry-After") == "" {
							t.Errorf("cycle %d: 503 without Retry-After", cycle)
						}
						return // a load balancer takes the draining instance out
					case resp.StatusCode >= 500:
						t.Errorf("cycle %d: %s %s: %d", cycle, req.Method, req.URL.Path, resp.StatusCode)
					}
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		if err := m.Close(); err != nil {
			t.Errorf("cycle %d: close: %v", cycle, err)
		}
		stop.Store(true)
		wg.Wait()
		transport.CloseIdleConnections()
		if answered.Load() == 0 {
			t.Errorf("cycle %d: nothing answered: the load did not span the shutdown", cycle)
		}
		if _, err := client.Do(loadRequest(base, cycle, 0, 0)); !refusedDial(err) {
			t.Errorf("cycle %d: after Close a request got %v, want a refused connection", cycle, err)
		}
		if t.Failed() {
			return
		}
	}
}

// refusedDial reports whether err is a new connection the server did not
// take (refused, or reset during the handshake as the listener closed): the
// request was never sent.
func refusedDial(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &op) && op.Op == "dial"
}

// tokens are the demo users' tokens, seeded by the first server of a test.
var tokens map[string]string

// newMain is a test server's Main on dbURL (with demo data if demo): a
// free port, cheap password hashes, no form limit.
func newMain(dbURL string, demo bool) *Main {
	m := NewMain()
	m.passwordCost = 4
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DB = dbURL
	m.Config.Demo = demo
	m.Config.SQLiteSync = "NORMAL"
	m.Config.ClickFlush = 50 * time.Millisecond
	m.Config.FormRate = 10000
	return m
}

// loadRequest is the n-th request of client i: a mix of health checks,
// reads and captures with and without an Idempotency-Key.
func loadRequest(base string, cycle, i, n int) *http.Request {
	var req *http.Request
	switch n % 4 {
	case 0:
		req, _ = http.NewRequest("GET", base+"/healthz", nil)
	case 1:
		req, _ = http.NewRequest("GET", base+"/api/v1/leads?limit=5", nil)
	default:
		body, _ := json.Marshal(map[string]any{"first_name": "Load", "last_name": fmt.Sprint(i), "email": fmt.Sprintf("load%d-%d-%d@acme.example", cycle, i, n),
			"company": "ACME Corp.", "country": "US", "source": "call"})
		req, _ = http.NewRequest("POST", base+"/api/v1/leads", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if n%4 == 2 {
			req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d-%d-%d", cycle, i, n))
		}
	}
	req.Header.Set("Authorization", "Bearer "+tokens["support@vendor.example"])
	return req
}

// TestSlowBodyIs408 sends a body slower than --read-timeout: the answer is
// a 408 problem, not a 500; a body too large stays 413.
func TestSlowBodyIs408(t *testing.T) {
	m := newMain(storetest.MustURL(t, store.SQLite), true)
	m.Config.ReadTimeout = 300 * time.Millisecond
	m.Config.MaxBody = 1 << 10
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	tok := token(t, m, "support@vendor.example")
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"first_name\":", tok)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Fatalf("slow body: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}

	support := apiClient{t, m.URL(), tok}
	if code, out, _ := support.do("POST", "/api/v1/leads", `{"first_name":"`+strings.Repeat("x", 2000)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: %d %v", code, out)
	}
}

// tcpProxy forwards connections to a backend; down closes its listener
// and every connection (the backend looks gone: refused), up listens again
// on the same address.
type tcpProxy struct {
	addr, backend string
	mu            sync.Mutex
	ln            net.Listener
	conns         map[net.Conn]bool
}

func startProxy(t *testing.T, backend string) *tcpProxy {
	p := &tcpProxy{backend: backend, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", p.backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[b] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(b, c); b.Close() }()
			go func() { _, _ = io.Copy(c, b); c.Close() }()
		}
	}()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *tcpProxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen again: %v", err)
	}
	p.serve(ln)
}

// TestDatabaseAwayIs503 runs the server against PostgreSQL through a proxy
// that goes down for a while under load: no request is answered 500, every
// refused one is a 503 with Retry-After, /healthz says not ready while the
// database is away, and every lead acknowledged is there afterwards.
func TestDatabaseAwayIs503(t *testing.T) {
	dbURL := storetest.MustURL(t, store.Postgres)
	u, _ := url.Parse(dbURL)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	m := MustRunMain(t, u.String())
	tokens = map[string]string{}
	for _, c := range m.DemoCredentials {
		tokens[c.Email] = c.Token
	}
	base := m.URL()
	client := &http.Client{Timeout: 20 * time.Second}

	var stop atomic.Bool
	var mu sync.Mutex
	var acked []string
	var unavailable atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				req := loadRequest(base, 0, i, n)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusServiceUnavailable:
					unavailable.Add(1)
					if resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
						t.Errorf("%s %s: 503 without Retry-After or problem: %v %s", req.Method, req.URL.Path, resp.Header, raw)
					}
					time.Sleep(20 * time.Millisecond)
				case resp.StatusCode >= 500:
					t.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, raw)
				case req.Method == "POST" && (resp.StatusCode == 201 || resp.StatusCode == 200):
					var out struct {
						Lead struct{ ID string } `json:"lead"`
					}
					_ = json.Unmarshal(raw, &out)
					mu.Lock()
					acked = append(acked, out.Lead.ID)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	proxy.down()
	time.Sleep(300 * time.Millisecond)
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("healthz with the database away: %d", resp.StatusCode)
	}
	time.Sleep(1200 * time.Millisecond)
	proxy.up(t)
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if unavailable.Load() == 0 {
		t.Error("no request saw the database away")
	}

	if resp, err := client.Get(base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the database came back: %v %v", resp, err)
	}
	support := apiClient{t, base, tokens["support@vendor.example"]}
	for _, id := range acked {
		if id == "" {
			continue
		}
		if code, out, _ := support.do("GET", "/api/v1/leads/"+id, nil); code != http.StatusOK {
			t.Errorf("acknowledged lead %s: %d %v", id, code, out)
		}
	}
	if len(acked) == 0 {
		t.Error("no lead was acknowledged")
	}

	// A failover shorter than the retry back-off is not seen by a read nor
	// by a capture with an Idempotency-Key: each is run once more.
	for _, safe := range []struct {
		method, path string
		body         any
		hdr          []string
	}{
		{"GET", "/api/v1/leads?limit=5", nil, nil},
		{"POST", "/api/v1/leads", map[string]any{"first_name": "Fail", "last_name": "Over", "email": "failover@acme.example", "company": "ACME Corp.", "country": "US", "source": "call"},
			[]string{"Idempotency-Key", "failover-1"}},
	} {
		proxy.down()
		done := make(chan int, 1)
		go func() {
			code, out, _ := support.do(safe.method, safe.path, safe.body, safe.hdr...)
			if code >= 300 {
				t.Logf("%s %s: %v", safe.method, safe.path, out)
			}
			done <- code
		}()
		time.Sleep(100 * time.Millisecond)
		proxy.up(t)
		if code := <-done; code != http.StatusOK && code != http.StatusCreated {
			t.Errorf("%s %s across a brief failover: %d", safe.method, safe.path, code)
		}
	}
}
