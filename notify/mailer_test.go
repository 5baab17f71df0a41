package notify

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/notify/smtptest"
)

func mailerFor(t *testing.T, srv *smtptest.Server, scheme, userinfo string) *Mailer {
	t.Helper()
	cfg, err := ParseSMTPURL(scheme + "://" + userinfo + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RootCAs = srv.RootCAs
	m, err := NewMailer(cfg, "leadrouter <noreply@vendor.example>")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A message arrives as multipart/alternative with its Message-ID, language
// and both parts, through AUTH PLAIN.
func TestSendThroughARelay(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("lr", "s3cret"))
	m := mailerFor(t, srv, "smtp", "lr:s3cret@")
	subject, text, html, err := Render(leadrouter.NotifyLeadAssigned, "de", Data{RecipientName: "Anna", PartnerName: "Berlin Systems",
		Company: "Kaffee Haus GmbH", Person: "Jonas Becker", Link: "https://leads.example/portal/leads/lead_1", Settings: "https://leads.example/portal/settings"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), Message{ID: "ntf_abc", To: "anna@berlin.example", ToName: "Anna", Subject: subject, Text: text, HTML: html, Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, 1)
	if len(got) != 1 || got[0].TLS {
		t.Fatalf("%d messages (want 1, in the clear: the relay offers no STARTTLS)", len(got))
	}
	h := got[0].Header()
	raw := got[0].Decoded()
	if h.Get("Message-Id") != "<ntf_abc@vendor.example>" || h.Get("Content-Language") != "de" || h.Get("Auto-Submitted") != "auto-generated" ||
		!strings.Contains(h.Get("Content-Type"), "multipart/alternative") || !strings.Contains(string(got[0].Raw), "text/plain") ||
		!strings.Contains(string(got[0].Raw), "text/html") || !strings.Contains(raw, "<!doctype html>") {
		t.Fatalf("headers %v", h)
	}
	if !strings.Contains(raw, "Neuer Lead") || !strings.Contains(raw, "Benachrichtigungen") {
		t.Fatalf("not German: %s", raw)
	}
	// Wrong credentials are refused for good.
	bad := mailerFor(t, srv, "smtp", "lr:wrong@")
	err = bad.Send(context.Background(), Message{ID: "ntf_x", To: "a@b.example", Subject: "x", Text: "x"})
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("wrong password: %v, want a temporary error naming the 535", err)
	}
}

// STARTTLS is used when offered, and required with smtp+starttls.
func TestSendOverStartTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithTLS(t))
	for _, scheme := range []string{"smtp", "smtp+starttls"} {
		m := mailerFor(t, srv, scheme, "")
		if err := m.Send(context.Background(), Message{ID: "ntf_tls_" + strings.ReplaceAll(scheme, "+", "_"), To: "a@b.example", Subject: "x", Text: "x"}); err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
	}
	got := srv.WaitFor(t, 2)
	if len(got) != 2 || !got[0].TLS || !got[1].TLS {
		t.Fatalf("%d messages, want 2 over TLS: %+v", len(got), got)
	}
	plain := smtptest.Start(t)
	if err := mailerFor(t, plain, "smtp+starttls", "").Send(context.Background(), Message{ID: "ntf_y", To: "a@b.example", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("smtp+starttls sent to a relay without STARTTLS")
	}
}

// A 5xx is permanent, a 4xx is tried again.
func TestRefusals(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailerFor(t, srv, "smtp", "")
	srv.FailWith(550)
	err := m.Send(context.Background(), Message{ID: "ntf_p", To: "a@b.example", Subject: "x", Text: "x"})
	if err == nil || !IsPermanent(err) {
		t.Fatalf("550: %v, want permanent", err)
	}
	srv.FailWith(451)
	err = m.Send(context.Background(), Message{ID: "ntf_t", To: "a@b.example", Subject: "x", Text: "x"})
	if err == nil || IsPermanent(err) {
		t.Fatalf("451: %v, want temporary", err)
	}
	srv.FailWith(0)
	srv.FailRecipientsWith(550)
	err = m.Send(context.Background(), Message{ID: "ntf_r", To: "gone@b.example", Subject: "x", Text: "x"})
	if err == nil || !IsPermanent(err) {
		t.Fatalf("550 at RCPT: %v, want permanent", err)
	}
	srv.FailRecipientsWith(452)
	err = m.Send(context.Background(), Message{ID: "ntf_q", To: "full@b.example", Subject: "x", Text: "x"})
	if err == nil || IsPermanent(err) {
		t.Fatalf("452 at RCPT: %v, want temporary", err)
	}
	if got := srv.Received(); len(got) != 0 {
		t.Fatalf("%d messages accepted while refusing", len(got))
	}
}
