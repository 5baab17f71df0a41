package webhook_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
	"github.com/leadrouter/leadrouter/webhook"
)

// holdOpen runs first in a transaction of its own and keeps the
// transaction open, after first returns, until release is closed; then
// runs then (if any) in it and commits. It returns when first has run,
// and done is closed once the transaction ended.
func holdOpen(t *testing.T, db *store.DB, first, then func(tx *store.Tx) error) (release func(), done chan struct{}) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	done = make(chan struct{})
	go func() {
		defer close(done)
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			if err := first(tx); err != nil {
				return err
			}
			close(started)
			<-hold
			if then != nil {
				return then(tx)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-started:
	case <-done:
		t.Fatal("the held transaction failed")
	}
	return func() { close(hold) }, done
}

// deliverAll runs rounds until want events were delivered.
func deliverAll(t *testing.T, d *webhook.Deliverer, rc *receiver, want int) []received {
	t.Helper()
	waitFor(t, "deliveries", func() bool {
		if _, err := d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, got := rc.snapshot()
		return len(got) >= want
	})
	_, got := rc.snapshot()
	return got
}

// interleaving opens a database of engine with a receiver subscribed to
// events and a deliverer, for a test of transactions that interleave:
// ok is false on SQLite, whose one writer makes them wait for each other.
func interleaving(t *testing.T, engine store.Engine, events ...string) (*store.DB, *receiver, *webhook.Deliverer, bool) {
	if engine == store.SQLite {
		return nil, nil, nil, false
	}
	db := mustOpen(t, engine)
	rc := newReceiver(t, 0, false)
	rc.subscribe(t, db, events...)
	return db, rc, &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}, true
}

// TestLateCommitIsNotSkipped: on PostgreSQL transactions commit in any
// order. An event of a transaction that began writing before another and
// commits after it is not read past: the later one waits until the
// earlier has ended, and both are delivered, each once, in order. (On
// SQLite there is one writer: transactions cannot interleave.)
func TestLateCommitIsNotSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db, rc, d, ok := interleaving(t, engine, "lead.created")
		if !ok {
			return
		}
		ctx := context.Background()

		release, done := holdOpen(t, db, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, leadSubject(0), leadrouter.EventCreated, admin, map[string]int{"i": 0})
			return err
		}, nil)
		createLeads(t, db, 1, 1) // commits while lead_0000's transaction is open
		if n, err := d.DeliverDue(ctx); err != nil || n != 0 {
			t.Fatalf("delivered %d (%v) while an older transaction was running, want 0", n, err)
		}
		if n, err := db.EventsHeldBack(ctx); err != nil || n != 1 {
			t.Fatalf("%d events held back (%v), want lead_0001's", n, err)
		}
		release()
		<-done
		mustReadable(t, db)
		assertInOrder(t, "receiver", deliverAll(t, d, rc, 2), 2)
	})
}

// TestOneSubjectInAppendOrder: a transaction that took its id before
// another, then appends to a subject after the other appended to it and
// committed, is delivered after it for that subject (events are read by
// order key, which a subject's next event never has smaller than its
// previous one's). Its own earlier event, of another subject, keeps its
// place. The timeline verifies.
func TestOneSubjectInAppendOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		db, rc, d, ok := interleaving(t, engine, "lead.created", "lead.converted")
		if !ok {
			return
		}
		ctx := context.Background()

		const other, shared = "lead_other", "lead_shared"
		release, done := holdOpen(t, db, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, other, leadrouter.EventCreated, admin, map[string]int{"step": 1})
			return err
		}, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, shared, leadrouter.EventConverted, admin, map[string]int{"step": 3})
			return err
		})
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvent(ctx, shared, leadrouter.EventCreated, admin, map[string]int{"step": 2})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		release()
		<-done
		got := deliverAll(t, d, rc, 3)
		var order []string
		for _, r := range got {
			order = append(order, r.Subject+" "+r.Event)
		}
		want := []string{other + " lead.created", shared + " lead.created", shared + " lead.converted"}
		if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
			t.Fatalf("delivered %v, want %v", order, want)
		}
		for i, r := range got {
			if r.Sequence != int64(i+1) {
				t.Fatalf("delivery %d numbered %d", i, r.Sequence)
			}
		}
		if rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil); err != nil || len(rep.Findings) > 0 {
			t.Fatalf("audit: %+v %v", rep, err)
		}
	})
}

// TestQueuedRowsFirst: notifications queued in the outbox before events
// were read directly (migration 0017) are delivered first, in order, and
// then the events after the subscription's cursor, numbered on.
func TestQueuedRowsFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		h := rc.subscribe(t, db, "lead.created")
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := range 2 {
				e := leadrouter.Event{Subject: leadSubject(i), Type: leadrouter.EventCreated, Actor: "admin", Data: []byte(`{"i":0}`), At: tx.Now()}
				if _, err := tx.Exec(ctx, `INSERT INTO outbox (webhook_id, event_type, payload, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, 0, ?, ?)`,
					h.ID, "lead.created", string(leadrouter.WebhookPayload("lead.created", e)), tx.Now(), tx.Now()); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		mustCreateLeads(t, db, 2, 2)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		assertInOrder(t, "receiver", deliverAll(t, d, rc, 4), 4)
		pending, delivered, err := outboxStats(ctx, db)
		if err != nil || pending != 0 || delivered != 4 {
			t.Fatalf("stats: %d pending, %d delivered (%v), want 0 and 4", pending, delivered, err)
		}
	})
}

// TestPublishedEventsStayOffTimelines: a webhook event published without
// a timeline event of its own (a change of owner announced as lead.routed)
// is delivered, is not on the subject's timeline as read, and keeps the
// chain whole.
func TestPublishedEventsStayOffTimelines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		rc := newReceiver(t, 0, false)
		rc.subscribe(t, db, "lead.created", "lead.routed")
		mustCreateLeads(t, db, 0, 1)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.AppendEvent(ctx, leadSubject(0), leadrouter.EventOwnerChanged, admin, map[string]string{"by_role": "admin"}); err != nil {
				return err
			}
			return tx.PublishEvent(ctx, leadSubject(0), leadrouter.EventRouted, admin, map[string]string{"rule": "manual", "note": "withheld"})
		}); err != nil {
			t.Fatal(err)
		}
		mustCreateLeads(t, db, 1, 1)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		got := deliverAll(t, d, rc, 3)
		if got[1].Event != "lead.routed" || got[1].Subject != leadSubject(0) || got[1].Data["rule"] != "manual" || got[1].Data["note"] != nil {
			t.Fatalf("second delivery %+v, want lead.routed of %s with its rule and without its note", got[1], leadSubject(0))
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			events, err := tx.Timeline(ctx, leadSubject(0))
			if err != nil {
				return err
			}
			if len(events) != 2 || events[1].Type != leadrouter.EventOwnerChanged {
				t.Errorf("timeline %+v, want lead_created and owner_changed", events)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil); err != nil || len(rep.Findings) > 0 {
			t.Fatalf("audit: %+v %v", rep, err)
		}
	})
}

// TestMigrationKeepsQueuedDeliveries: a database written before webhook
// subscribers read the events table (migration 0017), with a subscription
// whose outbox holds a delivered row and two pending ones, sends the
// pending rows after migrating, then the events written since, numbered
// on, with delivery ids past the outbox's; the events written before the
// migration are not sent again.
func TestMigrationKeepsQueuedDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpenAt(t, engine, 16)
		rc := newReceiver(t, 0, false)
		rc.secret = "whsec_migrated"
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, url, secret, events, active, created_at, last_sequence) VALUES ('whk_old', ?, ?, '["lead.created"]', ?, ?, 1)`,
				rc.server.URL, rc.secret, true, tx.Now()); err != nil {
				return err
			}
			for i := range 3 {
				e := leadrouter.Event{Subject: leadSubject(i), N: 1, Type: leadrouter.EventCreated, Actor: "admin", Data: []byte(`{}`), At: tx.Now()}
				if _, err := tx.Exec(ctx, `INSERT INTO events (subject, n, type, actor, data, at, prev_hash, hash) VALUES (?, 1, ?, 'admin', '{}', ?, ?, ?)`,
					e.Subject, e.Type, e.At, []byte{0}, []byte{byte(i + 1)}); err != nil {
					return err
				}
				delivered, sequence := any(nil), any(nil)
				if i == 0 {
					delivered, sequence = tx.Now(), 1
				}
				if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, webhook_id, event_type, payload, attempts, next_attempt_at, delivered_at, sequence, created_at)
					VALUES (?, 'whk_old', 'lead.created', ?, 0, ?, ?, ?, ?)`, 1000+i, string(leadrouter.WebhookPayload("lead.created", e)), tx.Now(), delivered, sequence, tx.Now()); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mustCreateLeads(t, db, 3, 1)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		deliverAll(t, d, rc, 3)
		if _, err := d.DeliverDue(ctx); err != nil { // nothing more: the events before the migration stay sent
			t.Fatal(err)
		}
		_, got := rc.snapshot()
		if len(got) != 3 {
			t.Fatalf("delivered %+v, want lead_0001, lead_0002 and lead_0003", got)
		}
		for i, r := range got {
			if r.Subject != leadSubject(i+1) || r.Sequence != int64(i+2) {
				t.Fatalf("delivery %d is %s #%d, want %s #%d", i, r.Subject, r.Sequence, leadSubject(i+1), i+2)
			}
		}
		if got[0].Delivery != "1001" || got[1].Delivery != "1002" || got[2].Delivery <= "1002" || len(got[2].Delivery) < 4 {
			t.Fatalf("delivery ids %s, %s, %s: want 1001, 1002 and one past them", got[0].Delivery, got[1].Delivery, got[2].Delivery)
		}
		pending, delivered, err := outboxStats(ctx, db)
		if err != nil || pending != 0 || delivered != 4 {
			t.Fatalf("stats: %d pending, %d delivered (%v), want 0 and 4", pending, delivered, err)
		}
	})
}

// TestNewSubscriptionStartsAtItsCreation: a new subscription gets the
// events written after it is made and none committed before, even while
// a transaction older than all of them is still running (on PostgreSQL,
// where another session's transaction once made the cursor start at
// that transaction and sent every event committed since).
func TestNewSubscriptionStartsAtItsCreation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := mustOpen(t, engine)
		release, done := func() {}, make(chan struct{})
		if engine == store.Postgres {
			release, done = holdOpen(t, db, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`) // an id older than everything below
				return err
			}, nil)
		} else {
			close(done)
		}
		createLeads(t, db, 0, 2) // committed before the subscription
		rc := newReceiver(t, 0, false)
		rc.subscribe(t, db, "lead.created")
		release()
		<-done
		mustCreateLeads(t, db, 2, 1)
		d := &webhook.Deliverer{DB: db, Egress: loopback, Logger: quietLogger()}
		deliverAll(t, d, rc, 1)
		if _, err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, got := rc.snapshot(); len(got) != 1 || got[0].Subject != leadSubject(2) || got[0].Sequence != 1 {
			t.Fatalf("the new subscription got %+v, want only %s as #1", got, leadSubject(2))
		}
	})
}
