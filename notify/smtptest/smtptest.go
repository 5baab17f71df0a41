// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// in the test's process and keeps what it receives, for tests of e-mail.
package smtptest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Raw  []byte
	// TLS tells whether the message came over TLS (STARTTLS or implicit).
	TLS bool
}

// Header parses the message's header.
func (r Received) Header() mail.Header {
	m, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return mail.Header{}
	}
	return m.Header
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	// Host and Port are Addr split.
	Host string
	Port string
	// RootCAs trust the server's certificate (WithTLS).
	RootCAs *x509.CertPool

	user, pass string
	// implicitTLS serves TLS from the first byte (WithImplicitTLS).
	implicitTLS bool

	mu       sync.Mutex
	received []Received
	// Fail, when set, answers DATA with this error (a *smtp.SMTPError
	// with Code 4xx or 5xx).
	fail error
	// failRcpt, when set, answers RCPT TO with this error.
	failRcpt error
}

// Option configures a Server.
type Option func(*smtp.Server, *Server)

// WithAuth requires AUTH PLAIN with user and pass (allowed without TLS).
func WithAuth(user, pass string) Option {
	return func(s *smtp.Server, ts *Server) {
		s.AllowInsecureAuth = true
		ts.user, ts.pass = user, pass
	}
}

// WithTLS offers STARTTLS with a self-signed certificate for 127.0.0.1.
func WithTLS(tb testing.TB) Option {
	return func(s *smtp.Server, ts *Server) {
		cert, pool := selfSigned(tb)
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ts.RootCAs = pool
	}
}

// WithImplicitTLS serves TLS from the first byte (smtps://), with a
// self-signed certificate for 127.0.0.1.
func WithImplicitTLS(tb testing.TB) Option {
	return func(s *smtp.Server, ts *Server) {
		WithTLS(tb)(s, ts)
		ts.implicitTLS = true
	}
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	ts := &Server{}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: ts, conn: c}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.AllowInsecureAuth = true
	for _, o := range opts {
		o(s, ts)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if ts.implicitTLS {
		l = tls.NewListener(l, s.TLSConfig)
	}
	ts.Addr = l.Addr().String()
	ts.Host, ts.Port, _ = net.SplitHostPort(ts.Addr)
	go func() { _ = s.Serve(l) }()
	tb.Cleanup(func() { _ = s.Close() })
	return ts
}

// Received returns the messages so far.
func (ts *Server) Received() []Received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]Received(nil), ts.received...)
}

// FailWith makes the server refuse every message with code (0: accept).
func (ts *Server) FailWith(code int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if code == 0 {
		ts.fail = nil
		return
	}
	ts.fail = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "refused by the test"}
}

// FailRecipientsWith makes the server refuse every recipient with code
// (0: accept), as a relay does for an unknown mailbox (550) or a full one
// (452).
func (ts *Server) FailRecipientsWith(code int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if code == 0 {
		ts.failRcpt = nil
		return
	}
	ts.failRcpt = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "recipient refused by the test"}
}

// WaitFor waits until n messages arrived (or 10s passed) and returns them.
func (ts *Server) WaitFor(tb testing.TB, n int) []Received {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := ts.Received()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (ts *Server) needsAuth() bool { return ts.user != "" }

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			// What relays answer (RFC 4954), not go-smtp's default 454.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.needsAuth() && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failRcpt != nil {
		return s.srv.failRcpt
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.fail != nil {
		return s.srv.fail
	}
	_, overTLS := s.conn.TLSConnectionState()
	s.srv.received = append(s.srv.received, Received{From: s.from, To: s.to, Raw: raw, TLS: overTLS})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// Decoded is the message as a reader sees it: its header lines and every
// part's body decoded (quoted-printable, base64), for scanning. A body
// that cannot be decoded is given raw.
func (r Received) Decoded() string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return string(r.Raw)
	}
	var b strings.Builder
	for k, vs := range m.Header {
		for _, v := range vs {
			dec, err := new(mime.WordDecoder).DecodeHeader(v)
			if err != nil {
				dec = v
			}
			b.WriteString(k + ": " + dec + "\n")
		}
	}
	decodePart(&b, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return b.String()
}

// Bodies is every part's body decoded, without any header: what a reader
// sees of the message besides its subject and addresses.
func (r Received) Bodies() string {
	m, err := mail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return string(r.Raw)
	}
	var b strings.Builder
	decodePart(&b, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return b.String()
}

func decodePart(b *strings.Builder, contentType, encoding string, body io.Reader) {
	media, params, err := mime.ParseMediaType(contentType)
	if err == nil && strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			decodePart(b, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	raw, _ := io.ReadAll(body)
	b.Write(raw)
	b.WriteString("\n")
}

// Lines joins the raw messages, for scanning.
func Lines(rs []Received) string {
	var b strings.Builder
	for _, r := range rs {
		b.Write(r.Raw)
		b.WriteString("\n")
	}
	return b.String()
}
