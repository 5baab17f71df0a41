package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
	"github.com/leadrouter/leadrouter/webhook"
)

// Every spelling of a special-purpose address is refused when subscribed,
// as a 422 on the url field (with the events' problems in the same
// answer).
func TestSubscribeRefusesSpecialAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine) // the default policy
		for _, raw := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://[::1]/", "http://10.0.0.1/",
			"http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/",
			"http://192.168.0.10/", "http://172.16.5.4/", "http://[fd00::1]/", "http://[fe80::1]/", "http://100.64.0.1/", "http://0.0.0.0/",
			"http://224.0.0.1/", "http://255.255.255.255/", "ftp://hooks.example/", "http://user:pw@hooks.example/"} {
			err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := adminuc.CreateWebhook(ctx, tx, egress.Policy{}, raw, []string{"lead.created", "no.such"})
				return err
			})
			var lerr *leadrouter.Error
			if !errors.As(err, &lerr) || lerr.Code != leadrouter.EINVALID || len(lerr.Fields) != 2 || lerr.Fields[0].Field != "url" || lerr.Fields[1].Field != "events" {
				t.Errorf("%s: %v, want 422 on url and events", raw, err)
			}
		}
		var hooks []leadrouter.Webhook
		_ = db.View(ctx, func(tx *store.Tx) error { hooks, _ = tx.Webhooks(ctx); return nil })
		if len(hooks) != 0 {
			t.Fatalf("stored %+v", hooks)
		}
	})
}

// A subscription whose host resolves to a refused address (a name for
// loopback here, or a range the operator closed since) is refused when
// connecting: nothing reaches the listener, and the event is retried
// like any failed delivery.
func TestDeliveryRefusedAtConnectTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		_, port, _ := net.SplitHostPort(rc.server.Listener.Addr().String())
		// localhost passes the subscription check (a name) and resolves
		// to loopback.
		var viaName leadrouter.Webhook
		if err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			viaName, err = adminuc.CreateWebhook(ctx, tx, egress.Policy{}, "http://localhost:"+port+"/hook", []string{"lead.created"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rc.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 0, 1)
		// The operator closes loopback again: the literal 127.0.0.1
		// subscription is refused at connect time as well.
		d := &webhook.Deliverer{DB: db, Egress: egress.Policy{}, Logger: quietLogger()}
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("delivered %d (%v), want 0", n, err)
		}
		if requests, _ := rc.snapshot(); len(requests) != 0 {
			t.Fatalf("the loopback listener got %d requests", len(requests))
		}
		if st := d.Stats(); st.Failed != 2 {
			t.Fatalf("stats %+v, want 2 failed attempts", st)
		}
		var lastError string
		_ = db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT head_error FROM webhooks WHERE id = ?`, viaName.ID).Scan(&lastError)
		})
		if !strings.Contains(lastError, egress.ErrRefused.Error()) || !strings.Contains(lastError, "loopback") {
			t.Fatalf("last error %q", lastError)
		}
	})
}

// A receiver answering 302 is not followed: the attempt failed and the
// event is retried, at the same receiver.
func TestRedirectIsAFailedDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		var followed atomic.Int64
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
		t.Cleanup(elsewhere.Close)
		var redirects atomic.Int64
		redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			redirects.Add(1)
			http.Redirect(w, r, elsewhere.URL+"/internal", http.StatusFound)
		}))
		t.Cleanup(redirecting.Close)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := adminuc.CreateWebhook(ctx, tx, loopback, redirecting.URL, []string{"lead.created"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mustCreateLeads(t, db, 0, 1)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		for round := range 2 {
			if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
				t.Fatalf("round %d delivered %d (%v)", round, n, err)
			}
			skipAhead(db, webhook.Backoff(round)+time.Second)
		}
		if redirects.Load() != 2 || followed.Load() != 0 {
			t.Fatalf("redirects %d, followed %d; want 2 attempts, none followed", redirects.Load(), followed.Load())
		}
		if pending, delivered, _ := outboxStats(ctx, db); pending != 1 || delivered != 0 {
			t.Fatalf("pending=%d delivered=%d", pending, delivered)
		}
	})
}

// A paused subscription keeps its place and gets its events, in order,
// once resumed; a deleted one is sent nothing more.
func TestPauseResumeDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		kept := newReceiver(t, 0, false)
		gone := newReceiver(t, 0, false)
		keptHook := kept.subscribe(t, db, "lead.created")
		goneHook := gone.subscribe(t, db, "lead.created")
		setActive := func(id string, active bool) leadrouter.Webhook {
			var h leadrouter.Webhook
			if err := db.Update(ctx, func(tx *store.Tx) error {
				var err error
				h, err = tx.SetWebhookActive(ctx, id, active)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return h
		}
		if h := setActive(keptHook.ID, false); h.Active {
			t.Fatalf("paused: %+v", h)
		}
		mustCreateLeads(t, db, 0, 3)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		if n, err := d.DeliverDue(ctx); err != nil || n != 3 {
			t.Fatalf("delivered %d (%v), want only the active subscription's 3", n, err)
		}
		if requests, _ := kept.snapshot(); len(requests) != 0 {
			t.Fatalf("a paused subscription got %d requests", len(requests))
		}
		mustCreateLeads(t, db, 3, 2)
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.DeleteWebhook(ctx, goneHook.ID) }); err != nil {
			t.Fatal(err)
		}
		mustCreateLeads(t, db, 5, 1)
		if pending, _, _ := outboxStats(ctx, db); pending != 6 {
			t.Fatalf("pending %d, want the paused subscription's 6", pending)
		}
		// GET /api/v1/webhooks reads a bounded number of events after
		// each cursor: past it the count is a lower bound, and says so.
		if c, err := db.OutboxStats(ctx, 2); err != nil || c.PendingExact || c.Pending > 6 {
			t.Fatalf("counted up to 2 events: %+v (%v), want at most 6 pending, not exact", c, err)
		}
		if c, err := db.OutboxStats(ctx, 1000); err != nil || !c.PendingExact || c.Pending != 6 {
			t.Fatalf("counted up to 1,000 events: %+v (%v), want 6 pending, exact", c, err)
		}
		setActive(keptHook.ID, true)
		if n, err := d.DeliverDue(ctx); err != nil || n != 6 {
			t.Fatalf("after resume delivered %d (%v), want 6", n, err)
		}
		_, got := kept.snapshot()
		assertInOrder(t, "resumed", got, 6)
		if _, got := gone.snapshot(); len(got) != 3 {
			t.Fatalf("the deleted subscription got %d events, want the 3 before", len(got))
		}
		var hooks []leadrouter.Webhook
		_ = db.View(ctx, func(tx *store.Tx) error { hooks, _ = tx.Webhooks(ctx); return nil })
		if len(hooks) != 1 || hooks[0].ID != keptHook.ID {
			t.Fatalf("listed %+v", hooks)
		}
		err := db.Update(ctx, func(tx *store.Tx) error { return tx.DeleteWebhook(ctx, goneHook.ID) })
		if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("deleting again: %v", err)
		}
		_, err = (&adminuc.Service{DB: db}).SetWebhookActive(ctx, leadrouter.Actor{UserID: "usr_s", Role: leadrouter.RoleSales}, keptHook.ID, false)
		if leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
			t.Fatalf("a sales user paused: %v", err)
		}
	})
}

// A paused subscription's pending events are counted whatever their data
// is stored as: a routing decision is packed on SQLite, a status change
// (picked by its data: only a move to qualified publishes) is text.
func TestPausedCountsEveryStoredForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		hook := rc.subscribe(t, db, "lead.routed", "lead.qualified")
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.SetWebhookActive(ctx, hook.ID, false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		routed := map[string]any{"owner": map[string]any{"kind": "queue", "id": "inside-sales"}, "policy_version": 0, "reserved_partner_id": "", "rule": "default",
			"steps": [][]any{{"duplicate", "not_response"}, {"pid", "no_pid"}, {"account-owner", "no_account_owner"}, {"default", "queue_empty", 3, []string{"inside-sales"}, "inside-sales"}}}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvents(ctx, "lead_paused1", leadrouter.System,
				store.NewEvent{Type: leadrouter.EventRouted, Data: routed},
				store.NewEvent{Type: leadrouter.EventStatus, Data: map[string]string{"from": "new", "to": "mql"}},
				store.NewEvent{Type: leadrouter.EventStatus, Data: map[string]string{"from": "mql", "to": "qualified"}},
				store.NewEvent{Type: leadrouter.EventNurture, Data: map[string]any{"score": 10, "track": "general"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if pending, _, err := outboxStats(ctx, db); err != nil || pending != 2 {
			t.Fatalf("pending %d (%v), want the routing decision and the qualification", pending, err)
		}
	})
}

// The lease of a subscription being delivered is renewed while the request
// runs (no one else claims it, though it is far shorter than the request);
// a holder that lost it stops sending.
func TestLeaseRenewedWhileDelivering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, true)
		rc.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 0, 1)
		const lease = 400 * time.Millisecond
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger(), Every: 10 * time.Millisecond, Timeout: time.Minute, Lease: lease}
		stop := runDeliverer(t, d)
		waitFor(t, "the request", func() bool { requests, _ := rc.snapshot(); return len(requests) == 1 })
		for range 5 {
			time.Sleep(lease / 2)
			if heads, err := db.ClaimDeliveries(ctx, 10, time.Minute); err != nil || len(heads) != 0 {
				t.Fatalf("claimed %+v (%v) while its holder works", heads, err)
			}
		}
		stop()
		// Once its holder stops, the subscription is free at once.
		heads, err := db.ClaimDeliveries(ctx, 10, lease)
		if err != nil || len(heads) != 1 {
			t.Fatalf("claim after stop: %+v %v", heads, err)
		}
		// The lease is taken away (deleted subscription): the holder's
		// request is abandoned within a renewal.
		rc2 := newReceiver(t, 0, true)
		h2 := rc2.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 1, 1)
		d2 := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger(), Every: 10 * time.Millisecond, Timeout: time.Minute, Lease: lease}
		runDeliverer(t, d2)
		waitFor(t, "the second receiver's request", func() bool { requests, _ := rc2.snapshot(); return len(requests) == 1 })
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.DeleteWebhook(ctx, h2.ID) }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the request abandoned", func() bool {
			rc2.mu.Lock()
			defer rc2.mu.Unlock()
			return rc2.inFlight == 0
		})
	})
}
