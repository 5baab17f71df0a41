package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
	"github.com/leadrouter/leadrouter/webhook"
)

var admin = leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}

// received is one request a test receiver answered 2xx.
type received struct {
	Sequence int64          `json:"sequence"`
	Event    string         `json:"event"`
	Subject  string         `json:"subject"`
	Data     map[string]any `json:"data"`
	Delivery string         `json:"-"`
}

// receiver is a webhook endpoint that checks signatures and sequence
// headers, fails its first failFirst requests, and notes overlapping
// requests (a subscription must never have two in flight).
type receiver struct {
	t      *testing.T
	server *httptest.Server
	// hang makes every request wait until the sender gives up.
	hang bool

	mu        sync.Mutex
	secret    string
	failFirst int
	requests  []received // every request, failed ones included
	got       []received // the requests answered 2xx
	inFlight  int
}

func newReceiver(t *testing.T, failFirst int, hang bool) *receiver {
	rc := &receiver{t: t, failFirst: failFirst, hang: hang}
	rc.server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.server.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.inFlight++
	if rc.inFlight > 1 {
		rc.t.Errorf("two requests of one subscription in flight at once")
	}
	if !webhook.Verify(rc.secret, body, r.Header.Get("X-Leadrouter-Signature"), time.Minute, time.Now()) {
		rc.t.Errorf("bad signature %q", r.Header.Get("X-Leadrouter-Signature"))
	}
	var msg received
	if err := json.Unmarshal(body, &msg); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
	}
	if h := r.Header.Get("X-Leadrouter-Sequence"); h != strconv.FormatInt(msg.Sequence, 10) {
		rc.t.Errorf("X-Leadrouter-Sequence %q, body sequence %d", h, msg.Sequence)
	}
	msg.Delivery = r.Header.Get("X-Leadrouter-Delivery")
	rc.requests = append(rc.requests, msg)
	fail := len(rc.requests) <= rc.failFirst
	rc.mu.Unlock()
	defer func() { rc.mu.Lock(); rc.inFlight--; rc.mu.Unlock() }()
	if rc.hang {
		<-r.Context().Done()
		return
	}
	if fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, msg)
	rc.mu.Unlock()
}

// snapshot returns copies of the requests seen and those answered 2xx.
func (rc *receiver) snapshot() (requests, got []received) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...), append([]received(nil), rc.got...)
}

// subscribe creates a webhook for rc on db.
func (rc *receiver) subscribe(t *testing.T, db *store.DB, events ...string) leadrouter.Webhook {
	t.Helper()
	var h leadrouter.Webhook
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		h, err = adminuc.CreateWebhook(context.Background(), tx, loopback, rc.server.URL, events)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = h.Secret
	rc.mu.Unlock()
	return h
}

// mustCreateLeads appends a lead.created event for subjects lead_<from>
// to lead_<from+n-1>, one transaction each, in that order, and waits until
// subscribers can read them (see mustReadable).
func mustCreateLeads(t *testing.T, db *store.DB, from, n int) {
	t.Helper()
	createLeads(t, db, from, n)
	mustReadable(t, db)
}

// createLeads is mustCreateLeads without the wait.
func createLeads(t *testing.T, db *store.DB, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := db.Update(context.Background(), func(tx *store.Tx) error {
			_, err := tx.AppendEvent(context.Background(), leadSubject(i), leadrouter.EventCreated, admin, map[string]int{"i": i})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// mustReadable waits until no event is held back from subscribers: on
// PostgreSQL a transaction of another test package, running at the same
// time on the same server, holds back events written after it began.
func mustReadable(t *testing.T, db *store.DB) {
	t.Helper()
	waitFor(t, "events readable", func() bool {
		n, err := db.EventsHeldBack(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

func leadSubject(i int) string { return fmt.Sprintf("lead_%04d", i) }

// assertInOrder checks that got holds lead_0000 ... lead_<n-1>, once each,
// in order, numbered 1 ... n.
func assertInOrder(t *testing.T, name string, got []received, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s got %d events, want %d", name, len(got), n)
	}
	for i, msg := range got {
		if msg.Subject != leadSubject(i) || msg.Sequence != int64(i+1) {
			t.Fatalf("%s: event %d is %s #%d, want %s #%d", name, i, msg.Subject, msg.Sequence, leadSubject(i), i+1)
		}
	}
}

// waitFor polls cond until it holds or a generous bound passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// skipAhead moves db's clock forward by d, past back-offs and leases.
func skipAhead(db *store.DB, d time.Duration) {
	now := db.Now
	db.Now = func() time.Time { return now().Add(d) }
}

// loopback opens the test receivers' addresses (httptest listens on
// 127.0.0.1), as --webhook-allow-cidr does for an operator.
var loopback = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

// mustOpen opens a fresh database whose webhooks may reach loopback.
func mustOpen(t *testing.T, engine store.Engine) *store.DB {
	return storetest.MustOpen(t, engine)
}

func mustOpenURL(t *testing.T, url string) *store.DB {
	return storetest.MustOpenURL(t, url)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runDeliverer runs d until the test ends (or stop is called) and returns
// stop, which waits for Run to return.
func runDeliverer(t *testing.T, d *webhook.Deliverer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestOutboxDeliveredSignedAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 1, false)
		rc.subscribe(t, db, "lead.created", "lead.qualified")
		// A change and its notification commit together; a rolled-back
		// change leaves none.
		_ = db.Update(ctx, func(tx *store.Tx) error {
			_, _ = tx.AppendEvent(ctx, "lead_rolled_back", leadrouter.EventCreated, admin, map[string]string{"x": "y"})
			return leadrouter.Errorf(leadrouter.EINVALID, "abort")
		})
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.AppendEvent(ctx, "lead_1", leadrouter.EventCreated, admin, map[string]string{"x": "y"}); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(ctx, "lead_1", leadrouter.EventStatus, admin, map[string]string{"from": "mql", "to": "qualified"}); err != nil {
				return err
			}
			_, err := tx.AppendEvent(ctx, "lead_1", leadrouter.EventRouted, admin, nil) // not subscribed
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mustReadable(t, db)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		// The receiver is down once: lead.created waits for its back-off
		// and lead.qualified waits behind it.
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("first round delivered %d (%v), want 0 (receiver down, nothing overtakes the head)", n, err)
		}
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("a round during the back-off delivered %d (%v)", n, err)
		}
		skipAhead(db, webhook.Backoff(0)+time.Second)
		if n, err := d.DeliverDue(ctx); err != nil || n != 2 {
			t.Fatalf("retry delivered %d (%v), want 2", n, err)
		}
		pending, delivered, _ := outboxStats(ctx, db)
		_, got := rc.snapshot()
		if pending != 0 || delivered != 2 || len(got) != 2 {
			t.Fatalf("pending=%d delivered=%d bodies=%d", pending, delivered, len(got))
		}
		if got[0].Event != "lead.created" || got[0].Sequence != 1 || got[1].Event != "lead.qualified" || got[1].Sequence != 2 {
			t.Fatalf("got %+v", got)
		}
	})
}

// A receiver failing its first requests gets the events in the order they
// were enqueued: the failed head is retried before anything behind it.
func TestOrderKeptWhenReceiverFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		const failures, events = 3, 8
		rc := newReceiver(t, failures, false)
		rc.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 0, events)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		for round := 0; round < failures; round++ {
			if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
				t.Fatalf("round %d delivered %d (%v), want 0", round, n, err)
			}
			skipAhead(db, webhook.Backoff(round)+time.Second)
		}
		if n, err := d.DeliverDue(ctx); err != nil || n != events {
			t.Fatalf("round after the failures delivered %d (%v), want %d", n, err, events)
		}
		requests, got := rc.snapshot()
		assertInOrder(t, "receiver", got, events)
		for i := 0; i <= failures; i++ {
			if requests[i].Subject != leadSubject(0) || requests[i].Sequence != 1 || requests[i].Delivery != requests[0].Delivery {
				t.Fatalf("request %d was %+v, want the first event again (%+v)", i, requests[i], requests[0])
			}
		}
		if len(requests) != failures+events {
			t.Fatalf("%d requests, want %d", len(requests), failures+events)
		}
	})
}

// A receiver that accepts requests and never answers holds up only its own
// subscription; shutting down abandons its request and hands the event
// back without counting an attempt.
func TestHangingReceiverDoesNotDelayOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		hanging := newReceiver(t, 0, true)
		healthy := newReceiver(t, 0, false)
		hangingHook := hanging.subscribe(t, db, "lead.created")
		healthy.subscribe(t, db, "lead.created")
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger(), Every: 10 * time.Millisecond, Timeout: 10 * time.Minute}
		stop := runDeliverer(t, d)
		const events = 30
		for i := 0; i < events; i += 10 {
			mustCreateLeads(t, db, i, 10)
		}
		waitFor(t, "the healthy receiver's events", func() bool { _, got := healthy.snapshot(); return len(got) == events })
		_, got := healthy.snapshot()
		assertInOrder(t, "healthy receiver", got, events)
		requests, got := hanging.snapshot()
		if len(got) != 0 || len(requests) > 1 {
			t.Fatalf("hanging receiver: %d requests, %d answered; want at most its first, unanswered", len(requests), len(got))
		}
		// Shut down once the last answer is recorded (a request cut short
		// by the shutdown would be sent again).
		waitFor(t, "the deliveries recorded", func() bool { _, delivered, _ := outboxStats(ctx, db); return delivered == events })
		stop()
		heads, err := db.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(heads) != 1 || heads[0].WebhookID != hangingHook.ID || heads[0].Sequence != 1 || heads[0].Attempts != 0 {
			t.Fatalf("after shutdown claimed %+v, want the hanging receiver's first event, not yet attempted", heads)
		}
	})
}

// Two deliverers on one database (two server processes) deliver each
// event once, in order, never two of a subscription at once.
func TestTwoDeliverersOneDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		url := storetest.MustURL(t, engine)
		dbA := mustOpenURL(t, url)
		dbB := mustOpenURL(t, url)
		var receivers []*receiver
		for range 3 {
			rc := newReceiver(t, 0, false)
			rc.subscribe(t, dbA, "lead.created")
			receivers = append(receivers, rc)
		}
		// Small batches make subscriptions change hands often.
		a := &webhook.Deliverer{DB: dbA, Egress: loopback, Logger: quietLogger(), Every: 5 * time.Millisecond, Batch: 3, Concurrency: 2}
		b := &webhook.Deliverer{DB: dbB, Egress: loopback, Logger: quietLogger(), Every: 5 * time.Millisecond, Batch: 3, Concurrency: 2}
		stopA := runDeliverer(t, a)
		stopB := runDeliverer(t, b)
		const events = 40
		for i := 0; i < events; i += 10 {
			mustCreateLeads(t, dbB, i, 10)
		}
		for i, rc := range receivers {
			waitFor(t, "every event", func() bool { requests, _ := rc.snapshot(); return len(requests) >= events })
			time.Sleep(50 * time.Millisecond) // room for a duplicate to show
			requests, got := rc.snapshot()
			if len(requests) != len(got) {
				t.Fatalf("receiver %d: %d requests, %d answered", i, len(requests), len(got))
			}
			assertInOrder(t, fmt.Sprintf("receiver %d", i), got, events)
		}
		stopA()
		stopB()
		t.Logf("deliverer A %+v, B %+v", a.Stats(), b.Stats())
		if sent := a.Stats().Sent + b.Stats().Sent; sent != 3*events {
			t.Fatalf("sent %d, want %d", sent, 3*events)
		}
	})
}

// A burst larger than a batch drains at once, round after round, without
// waiting for the idle poll (an hour here).
func TestBurstDrainsWithoutWaitingForTicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db := mustOpen(t, engine)
		const hooks, events, batch, concurrency = 5, 25, 10, 2
		var receivers []*receiver
		for range hooks {
			rc := newReceiver(t, 0, false)
			rc.subscribe(t, db, "lead.created")
			receivers = append(receivers, rc)
		}
		mustCreateLeads(t, db, 0, events)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger(), Every: time.Hour, Batch: batch, Concurrency: concurrency}
		stop := runDeliverer(t, d)
		for i, rc := range receivers {
			waitFor(t, "the burst", func() bool { _, got := rc.snapshot(); return len(got) == events })
			_, got := rc.snapshot()
			assertInOrder(t, fmt.Sprintf("receiver %d", i), got, events)
		}
		// A receiver has the last event before the deliverer has read
		// its answer: stopping then would hand it back uncounted.
		waitFor(t, "every answer counted", func() bool { return d.Stats().Sent >= hooks*events })
		// Each subscription takes three turns of at most a batch, two
		// at a time: at least 8 claims, and about one per turn.
		stop()
		stats := d.Stats()
		if stats.Sent != hooks*events || stats.Rounds < 8 || stats.Rounds > 2*hooks*3+1 {
			t.Fatalf("stats %+v", stats)
		}
	})
}

// DeliverDue sends at most Batch events of a subscription per round; the
// next round goes on where it stopped.
func TestDeliverDueRoundsOfABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		rc.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 0, 35)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger(), Batch: 10}
		var rounds []int
		for {
			n, err := d.DeliverDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			rounds = append(rounds, n)
		}
		if fmt.Sprint(rounds) != "[10 10 10 5]" {
			t.Fatalf("rounds delivered %v, want [10 10 10 5]", rounds)
		}
		_, got := rc.snapshot()
		assertInOrder(t, "receiver", got, 35)
	})
}

// A deliverer whose lease ran out while another took the subscription over
// records a success but no longer steers the queue.
func TestExpiredLeaseHandsOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		rc.subscribe(t, db, "lead.created")
		mustCreateLeads(t, db, 0, 3)
		first, err := db.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil || len(first) != 1 || first[0].Sequence != 1 {
			t.Fatalf("claim: %+v, %v", first, err)
		}
		if again, err := db.ClaimDeliveries(ctx, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("a leased subscription was claimed again: %+v, %v", again, err)
		}
		skipAhead(db, 2*time.Minute)
		second, err := db.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil || len(second) != 1 || second[0].ID != first[0].ID || second[0].Sequence != 1 {
			t.Fatalf("claim after the lease ran out: %+v, %v, want the same head", second, err)
		}
		// The first holder finishes late: its success is recorded, but
		// it gets no next event.
		if _, ok, err := db.FinishDelivery(ctx, first[0], nil, time.Second, time.Minute); err != nil || ok {
			t.Fatalf("late finish: ok=%v, %v", ok, err)
		}
		next, ok, err := db.FinishDelivery(ctx, second[0], nil, time.Second, time.Minute)
		if err != nil || !ok || next.Sequence != 2 {
			t.Fatalf("finish by the holder: %+v ok=%v, %v; want sequence 2", next, ok, err)
		}
		if pending, delivered, _ := outboxStats(ctx, db); pending != 2 || delivered != 1 {
			t.Fatalf("pending=%d delivered=%d", pending, delivered)
		}
	})
}

func TestBackoff(t *testing.T) {
	if webhook.Backoff(0) != 5*time.Second || webhook.Backoff(3) != 40*time.Second || webhook.Backoff(30) != time.Hour {
		t.Fatal(webhook.Backoff(0), webhook.Backoff(3), webhook.Backoff(30))
	}
	sig := webhook.Sign("s", []byte("body"), time.Unix(100, 0))
	if webhook.Verify("s", []byte("body"), sig, time.Minute, time.Unix(3600, 0)) {
		t.Fatal("an old signature verified")
	}
	if webhook.Verify("other", []byte("body"), sig, time.Minute, time.Unix(100, 0)) {
		t.Fatal("a wrong secret verified")
	}
}

// TestRoutedPayloadWithoutExplanation: a notification carries the facts by
// ids; the routing trace, partners' names and free text (also nested)
// stay on the timeline.
func TestRoutedPayloadWithoutExplanation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		rc.subscribe(t, db, "lead.routed")
		data := map[string]any{"rule": "international", "owner": map[string]any{"kind": "partner", "id": "ptr_1", "partner_id": "ptr_1"},
			"trace":      []map[string]any{{"rule": "international", "matched": true, "reason": "partner Berlin Systems GmbH (PID BERLIN01) is next"}},
			"candidates": []string{"Berlin Systems GmbH"}, "reason": "called by the prospect",
			"conflicts": []map[string]any{{"kind": "lead", "id": "lead_9", "partner_name": "Berlin Systems GmbH"}}}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, "lead_1", leadrouter.EventRouted, admin, data)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mustReadable(t, db)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d (%v)", n, err)
		}
		_, got := rc.snapshot()
		if len(got) != 1 || got[0].Data["rule"] != "international" || got[0].Data["owner"] == nil || got[0].Data["trace"] != nil ||
			got[0].Data["candidates"] != nil || got[0].Data["reason"] != nil {
			t.Fatalf("payload %+v", got)
		}
		conflict := got[0].Data["conflicts"].([]any)[0].(map[string]any)
		if conflict["id"] != "lead_9" || conflict["partner_name"] != nil {
			t.Fatalf("nested names are not withheld: %v", conflict)
		}
		var timeline []leadrouter.Event
		_ = db.View(ctx, func(tx *store.Tx) error {
			var err error
			timeline, err = tx.Timeline(ctx, "lead_1")
			return err
		})
		if len(timeline) != 1 || !strings.Contains(string(timeline[0].Data), "Berlin Systems GmbH") {
			t.Fatalf("the timeline lost the trace: %+v", timeline)
		}
	})
}

// outboxStats is db.OutboxStats counted to the end: no subscription of
// these tests is anywhere near the bound GET /api/v1/webhooks reads to.
func outboxStats(ctx context.Context, db *store.DB) (pending, delivered int64, err error) {
	c, err := db.OutboxStats(ctx, 1<<30)
	return c.Pending, c.Delivered, err
}
