package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/notify"
	"github.com/leadrouter/leadrouter/notify/smtptest"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

const policy = `
home_country: US
rules:
  - id: international
    when: {international: true}
    action: assign_territory
  - id: default
    action: assign_queue
    queue: inside-sales
`

type world struct {
	n       *notify.Notifier
	db      *store.DB
	f       *lifecycletest.Fixture
	capture *intake.Service
	smtp    *smtptest.Server
}

func newWorld(t *testing.T, engine store.Engine) *world {
	t.Helper()
	srv := smtptest.Start(t)
	cfg, err := notify.ParseSMTPURL("smtp://" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := notify.NewMailer(cfg, "leadrouter <noreply@vendor.example>")
	if err != nil {
		t.Fatal(err)
	}
	n := &notify.Notifier{Mailer: mailer, PortalURL: "https://leads.vendor.example"}
	db := storetest.MustOpenWith(t, storetest.MustURL(t, engine), store.Options{OnEvent: n.OnEvent})
	n.DB = db
	f := lifecycletest.MustFixture(t, db)
	router, err := live.New(context.Background(), db, []byte(policy), "test")
	if err != nil {
		t.Fatal(err)
	}
	w := intake.NewWriter(db, 16)
	t.Cleanup(w.Close)
	asg := &assignment.Service{DB: db, Policy: router, Reroute: router.Reroute}
	return &world{n: n, db: db, f: f, smtp: srv, capture: &intake.Service{DB: db, Writer: w, Router: router, Assignments: asg}}
}

func (w *world) lead(t *testing.T, email string, consent bool) leadrouter.Lead {
	t.Helper()
	sub := intake.Submission{FirstName: "Zebulon", LastName: "Quagmire", Email: email, Phone: "+49 30 5550199", Company: "Quagmire Optik GmbH",
		Country: "DE", Source: leadrouter.SourceAPI}
	if consent {
		sub.ConsentShare, sub.ConsentText = &consent, "Yes, share my details."
	}
	res, err := w.capture.Capture(context.Background(), leadrouter.System, sub, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Lead
}

// A lead routed to a partner: one e-mail to each of its users who wants
// it at once, none to one on the digest until the digest runs; without
// consent the message names the company, never the person.
func TestLeadAssignedByEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newWorld(t, engine)
		p1b := w.f.Actor("p1b")
		if _, err := w.n.SetPreferences(ctx, p1b, notify.Preferences{Kinds: map[leadrouter.NotificationKind]leadrouter.DeliveryMode{
			leadrouter.NotifyLeadAssigned: leadrouter.DeliverDigest}, Language: "de"}); err != nil {
			t.Fatal(err)
		}
		l := w.lead(t, "zebulon@quagmire-optik.example", false)
		if l.Owner.PartnerID != w.f.P1.ID {
			t.Fatalf("routed to %+v, want P1", l.Owner)
		}
		if n, err := w.n.SendDue(ctx); err != nil || n != 1 {
			t.Fatalf("sent %d (%v), want 1 (p1a; p1b waits for the digest)", n, err)
		}
		got := w.smtp.WaitFor(t, 1)
		if len(got) != 1 || got[0].To[0] != w.f.Users["p1a"].Email {
			t.Fatalf("messages %v", got)
		}
		raw := strings.ToLower(got[0].Decoded())
		for _, secret := range []string{"zebulon", "quagmire@", "5550199", "+49 30"} {
			if strings.Contains(raw, secret) {
				t.Errorf("the unconsented lead's message contains %q:\n%s", secret, got[0].Raw)
			}
		}
		if !strings.Contains(raw, "quagmire optik gmbh") || !strings.Contains(raw, "https://leads.vendor.example/portal/leads/"+strings.ToLower(l.ID)) {
			t.Errorf("the message lacks the company or the link:\n%s", got[0].Raw)
		}
		// Sent is sent: nothing goes twice.
		if n, _ := w.n.SendDue(ctx); n != 0 {
			t.Fatalf("sent %d more", n)
		}
		// The inbox shows it to both, in each one's language.
		items, unread, err := w.n.Inbox(ctx, p1b, false, 10, "")
		if err != nil || unread != 1 || len(items.Items) != 1 || !strings.HasPrefix(items.Items[0].Title, "Neuer Lead") {
			t.Fatalf("p1b's inbox: %+v %d %v", items, unread, err)
		}
		if _, err := w.n.MarkRead(ctx, w.f.Actor("p1a"), items.Items[0].ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("another user marked p1b's notification read: %v", err)
		}
		if _, err := w.n.MarkRead(ctx, p1b, items.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		// The digest gathers p1b's; a consented lead names the person.
		w.lead(t, "zora@quagmire-zwei.example", true)
		if n, err := w.n.Digests(ctx); err != nil || n != 1 {
			t.Fatalf("digests %d %v", n, err)
		}
		if n, err := w.n.SendDue(ctx); err != nil || n != 2 {
			t.Fatalf("sent %d (%v), want p1a's second and p1b's digest", n, err)
		}
		got = w.smtp.WaitFor(t, 3)
		var digest, second string
		for _, r := range got[1:] {
			if r.To[0] == w.f.Users["p1b"].Email {
				digest = r.Decoded()
			} else {
				second = r.Decoded()
			}
		}
		if !strings.Contains(digest, "Zusammenfassung") || strings.Count(digest, "Quagmire Optik GmbH") < 2 {
			t.Errorf("the digest:\n%s", digest)
		}
		if !strings.Contains(second, "Zebulon Quagmire") {
			t.Errorf("the consented lead's message does not name the person:\n%s", second)
		}
		// Nothing more until tomorrow's digest.
		if n, _ := w.n.Digests(ctx); n != 0 {
			t.Fatalf("a second digest the same day: %d", n)
		}
	})
}

// A relay that is away: the message is tried again later, with the same
// Message-ID, and arrives once.
func TestSendRetries(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, store.SQLite)
	w.lead(t, "retry@quagmire-optik.example", false)
	w.smtp.FailWith(451)
	if n, err := w.n.SendDue(ctx); err != nil || n != 0 {
		t.Fatalf("sent %d (%v) to a relay refusing", n, err)
	}
	w.smtp.FailWith(0)
	if n, _ := w.n.SendDue(ctx); n != 0 {
		t.Fatal("retried before the back-off")
	}
	now := w.db.Now
	w.db.Now = func() time.Time { return now().Add(time.Minute) }
	if n, err := w.n.SendDue(ctx); err != nil || n != 2 {
		t.Fatalf("sent %d (%v) after the back-off, want p1a's and p1b's", n, err)
	}
	if got := w.smtp.WaitFor(t, 2); len(got) != 2 || got[0].Header().Get("Message-Id") == got[1].Header().Get("Message-Id") {
		t.Fatalf("messages %v", got)
	}
}
