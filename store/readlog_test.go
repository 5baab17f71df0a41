package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestReadLogFlusher: a full batch is written by the running flusher
// without waiting for its tick (the tick here never comes), and Close
// writes what remains once the worker has stopped; the entries come back
// newest first, page by page.
func TestReadLogFlusher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		reads := store.NewReadLog(db, time.Hour, nil)
		workCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			reads.Run(workCtx)
		}()
		admin := leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}
		count := func() int {
			t.Helper()
			n := 0
			cursor := ""
			for {
				var page store.Page[store.ContactRead]
				if err := db.View(ctx, func(tx *store.Tx) error {
					var err error
					page, err = tx.ContactReadsOfLead(ctx, "lead_a", 500, cursor)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				n += len(page.Items)
				if cursor = page.NextCursor; cursor == "" {
					return n
				}
			}
		}
		const batch = 200
		for range batch {
			reads.Record(admin, store.ChannelAPI, store.ReadKindLead, "lead_a", "lead_a")
		}
		for deadline := time.Now().Add(20 * time.Second); count() < batch && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		}
		if n := count(); n != batch {
			t.Fatalf("after a full batch: %d entries written, want %d", n, batch)
		}
		for range 3 {
			reads.Record(admin, store.ChannelPortal, store.ReadKindLead, "lead_a", "lead_a")
		}
		stop()
		<-done
		if err := reads.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != batch+3 {
			t.Fatalf("after Close: %d entries, want %d", n, batch+3)
		}
		var page store.Page[store.ContactRead]
		if err := db.View(ctx, func(tx *store.Tx) error {
			var err error
			page, err = tx.ContactReadsOfLead(ctx, "lead_a", 2, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || page.Items[0].Channel != store.ChannelPortal || page.Items[0].UserID != "usr_admin" || page.NextCursor == "" {
			t.Fatalf("newest page = %+v", page)
		}
	})
}
