package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
	"github.com/leadrouter/leadrouter/webhook"
)

func TestOutboxDeliveredSignedAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		var mu sync.Mutex
		var bodies [][]byte
		var secret string
		fail := true
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if !webhook.Verify(secret, body, r.Header.Get("X-Leadrouter-Signature"), time.Minute, time.Now()) {
				t.Errorf("bad signature %q", r.Header.Get("X-Leadrouter-Signature"))
			}
			if fail {
				fail = false
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			bodies = append(bodies, body)
		}))
		defer receiver.Close()
		admin := leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			h, err := tx.CreateWebhook(ctx, admin, receiver.URL, []string{"lead.created", "lead.qualified"})
			secret = h.Secret
			return err
		}); err != nil {
			t.Fatal(err)
		}
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
		d := &webhook.Deliverer{DB: db, Logger: slog.New(slog.DiscardHandler)}
		n, err := d.DeliverDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("first round delivered %d (%v), want 1 of 2 (receiver down once)", n, err)
		}
		// The failed one waits for its back-off; make it due.
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE delivered_at IS NULL`, tx.Now().Add(-time.Second))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := d.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("retry delivered %d (%v)", n, err)
		}
		pending, delivered, _ := db.OutboxStats(ctx)
		if pending != 0 || delivered != 2 || len(bodies) != 2 {
			t.Fatalf("pending=%d delivered=%d bodies=%d", pending, delivered, len(bodies))
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
