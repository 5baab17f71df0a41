package notify

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/notify/smtptest"
)

// smtps:// speaks TLS from the first byte.
func TestSendOverImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS(t), smtptest.WithAuth("lr", "s3cret"))
	m := mailerFor(t, srv, "smtps", "lr:s3cret@")
	if err := m.Send(context.Background(), Message{ID: "ntf_smtps", To: "a@b.example", Subject: "x", Text: "x", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, 1); len(got) != 1 || !got[0].TLS || got[0].Header().Get("Message-Id") != "<ntf_smtps@vendor.example>" {
		t.Fatalf("%d messages", len(got))
	}
}

// A message sent again (after a crash between send and commit) keeps its
// Message-ID, so that the receiver drops the copy; each carries a Date.
func TestRetryKeepsMessageID(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailerFor(t, srv, "smtp", "")
	msg := Message{ID: "ntf_again", To: "a@b.example", Subject: "x", Text: "x", Lang: "en"}
	for range 2 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.WaitFor(t, 2)
	if len(got) != 2 {
		t.Fatalf("%d messages", len(got))
	}
	for _, r := range got {
		h := r.Header()
		if h.Get("Message-Id") != "<ntf_again@vendor.example>" {
			t.Errorf("Message-Id %q", h.Get("Message-Id"))
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("Date %q: %v", h.Get("Date"), err)
		}
	}
}

// A partner that may not see a lead's contact details receives a message
// naming the company: the person's name and e-mail address are in no
// byte of what the relay received, in either language.
func TestWithheldPersonIsNeverSent(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailerFor(t, srv, "smtp", "")
	for i, lang := range leadrouter.Languages() {
		d := fullData()
		d.Person = "" // the lead is Jonas Becker, jonas.becker@kaffee.example
		subject, text, html, err := Render(leadrouter.NotifyLeadAssigned, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Send(context.Background(), Message{ID: "ntf_w" + lang, To: "rita@berlin.example", ToName: "Rita Roth", Subject: subject, Text: text, HTML: html, Lang: lang}); err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(t, i+1)
		r := got[len(got)-1]
		raw, bodies := string(r.Raw), r.Bodies()
		for _, leak := range []string{"Jonas", "Becker", "kaffee.example"} {
			if strings.Contains(raw, leak) || strings.Contains(bodies, leak) {
				t.Errorf("%s: %q in the message", lang, leak)
			}
		}
		if strings.Contains(bodies, "@") {
			t.Errorf("%s: an address in the body:\n%s", lang, bodies)
		}
		if !strings.Contains(bodies, "Kaffee Haus GmbH") || !strings.Contains(bodies, "https://leads.example/portal/settings") {
			t.Errorf("%s: company or settings link missing:\n%s", lang, bodies)
		}
		if h := r.Header(); h.Get("Content-Language") != lang || h.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("%s: header %v", lang, h)
		}
	}
}

// A relay that accepts the connection and says nothing holds a send no
// longer than its context allows, and that is worth another try.
func TestSendIsBoundedByTheContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
		}
	}()
	cfg, err := ParseSMTPURL("smtp://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMailer(cfg, "noreply@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = m.Send(ctx, Message{ID: "ntf_slow", To: "a@b.example", Subject: "x", Text: "x"})
	if err == nil || IsPermanent(err) {
		t.Fatalf("silent relay: %v, want a temporary error", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %s with a 300ms context", took)
	}
}

// A relay that is not there is a temporary failure.
func TestUnreachableRelayIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	cfg, err := ParseSMTPURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMailer(cfg, "noreply@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{ID: "ntf_gone", To: "a@b.example", Subject: "x", Text: "x"}); err == nil || IsPermanent(err) {
		t.Fatalf("%v, want a temporary error", err)
	}
}
