package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/leadrouter/leadrouter"
)

// Message is one e-mail: ID becomes the Message-ID (kept across retries,
// so a receiver can drop a copy sent twice after a crash).
type Message struct {
	ID      string
	To      string
	ToName  string
	Subject string
	Text    string
	HTML    string
	Lang    string
}

// Mailer sends messages through one relay.
type Mailer struct {
	Config SMTPConfig
	// From is the sender (--mail-from), such as "leadrouter
	// <noreply@vendor.example>".
	From *mail.Address
	// Timeout bounds one delivery (default 30s).
	Timeout time.Duration
}

// NewMailer checks from and returns a mailer for cfg.
func NewMailer(cfg SMTPConfig, from string) (*Mailer, error) {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, leadrouter.Errorf(leadrouter.EINVALID, "--mail-from %q is no e-mail address (want e.g. \"leadrouter <noreply@vendor.example>\")", from)
	}
	return &Mailer{Config: cfg, From: addr}, nil
}

// Send delivers m: multipart/alternative (plain text and HTML), in m.Lang,
// marked as automatically generated. A *SendError says whether to retry.
func (ml *Mailer) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(ml.From.Name, ml.From.Address); err != nil {
		return &SendError{Err: err, Permanent: true}
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return &SendError{Err: err, Permanent: true}
	}
	host := ml.From.Address[strings.LastIndexByte(ml.From.Address, '@')+1:]
	msg.SetMessageIDWithValue(m.ID + "@" + host)
	msg.SetDate()
	msg.Subject(m.Subject)
	if m.Lang != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	timeout := ml.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tlsConfig := &tls.Config{ServerName: ml.Config.Host, RootCAs: ml.Config.RootCAs, MinVersion: tls.VersionTLS12}
	// go-mail heeds ctx only while dialling; after that a relay that stops
	// answering holds each command for the full timeout. The connection is
	// therefore closed when ctx ends. It is returned unwrapped so that
	// go-mail still sees a *tls.Conn under smtps.
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		dialer := &net.Dialer{Timeout: dialTimeout}
		var conn net.Conn
		var err error
		if ml.Config.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = dialer.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stops = append(stops, context.AfterFunc(ctx, func() { _ = conn.Close() }))
		return conn, nil
	}
	opts := []gomail.Option{gomail.WithPort(ml.Config.Port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConfig), gomail.WithDialContextFunc(dial)}
	switch ml.Config.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSRequired:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	}
	if ml.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(ml.Config.Username), gomail.WithPassword(ml.Config.Password))
	}
	client, err := gomail.NewClient(ml.Config.Host, opts...)
	if err != nil {
		return &SendError{Err: err, Permanent: true}
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		permanent := errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
		if ctx.Err() != nil {
			// Cut off by the deadline or the caller: worth another try.
			return &SendError{Err: fmt.Errorf("%w: %w", ctx.Err(), err)}
		}
		return &SendError{Err: err, Permanent: permanent}
	}
	return nil
}

// dialTimeout bounds connecting to the relay, within a delivery's timeout.
const dialTimeout = 10 * time.Second

// SendError is a failed delivery: Permanent when the relay refused the
// message for good (a 5xx to MAIL FROM, RCPT TO or DATA), so that it is
// not tried again.
type SendError struct {
	Err       error
	Permanent bool
}

func (e *SendError) Error() string { return "send e-mail: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a message the relay refused for good
// (5xx): sending it again cannot succeed. Everything else is worth another
// try: a 4xx, a network error, a timeout, and a refused session (greeting,
// STARTTLS, AUTH — even a 535 for a wrong password), which says nothing
// about the message and is cured by fixing --smtp-url, not by dropping
// every pending notification.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}
