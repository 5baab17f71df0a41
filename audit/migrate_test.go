package audit_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestVerifyAfterHashesBecameBytes: a database written before migration
// 0012 (hashes as hex text, unkeyed and keyed chains, events with the old
// verbose data) verifies after migrating, takes new events on the same
// chains, and still reports an edit.
func TestVerifyAfterHashesBecameBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		db, err := store.Open(ctx, url, store.Options{SQLiteSynchronous: "NORMAL", MatchKeys: match.Keys{}, AuditKey: storetest.AuditKey})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateTo(ctx, 11); err != nil {
			t.Fatal(err)
		}
		// The rows as the code before 0012 wrote them (in a statement of its
		// own: PostgreSQL connections keep the parameter types of statements
		// they prepared before the migration): the unkeyed chain of
		// a release without the audit key, then a keyed one.
		at := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
		chains := map[string]bool{"acc_unkeyed": false, "lead_keyed": true}
		for subject, keyed := range chains {
			prev := ""
			for n, typ := range []string{leadrouter.EventCreated, leadrouter.EventRouted, leadrouter.EventStatus} {
				e := leadrouter.Event{Subject: subject, N: int64(n + 1), Type: typ, Actor: admin.Label(), At: at.Add(time.Duration(n) * time.Second), PrevHash: prev,
					Data: []byte(`{"rule":"default","trace":[{"rule":"default","matched":false,"fired":true,"reason":"no rule assigned the lead: it waits in the default queue inside-sales"}]}`)}
				if keyed {
					e.Hash = e.ComputeKeyedHash(storetest.AuditKey)
				} else {
					e.Hash = e.ComputeHash()
				}
				if err := db.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO events (n, subject, type, actor, data, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
						e.N, e.Subject, e.Type, e.Actor, string(e.Data), e.At, e.PrevHash, e.Hash)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				prev = e.Hash
			}
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO event_heads (subject, n, hash) VALUES (?, 3, ?)`, subject, prev)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.Migrate(ctx); err != nil || n < 1 { // 0012 and any later
			t.Fatalf("migrate from 0011: %d applied, %v", n, err)
		}
		var width int
		if err := db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT MAX(length(hash)) FROM events`).Scan(&width)
		}); err != nil || width != 33 {
			t.Fatalf("stored hashes are %d bytes (%v), want 33", width, err)
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvents(ctx, "acc_unkeyed", admin, store.NewEvent{Type: leadrouter.EventResponse})
			if err == nil {
				_, err = tx.AppendEvents(ctx, "lead_keyed", admin, store.NewEvent{Type: leadrouter.EventResponse})
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		fx := &fixture{db: db, key: storetest.AuditKey, engine: engine, log: &audit.Log{Path: filepath.Join(t.TempDir(), "audit-log"), Key: storetest.AuditKey}}
		if _, _, err := audit.Checkpoint(ctx, db, fx.log); err != nil {
			t.Fatal(err)
		}
		st, err := audit.ReadLog(fx.log.Path, fx.key)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db, fx.key, st)
		if err != nil || len(rep.Findings) > 0 || rep.Events != 8 {
			t.Fatalf("migrated chains: %+v %v", rep, err)
		}
		fx.attack(t, `UPDATE events SET data = '{"rule":"pid"}' WHERE subject = 'lead_keyed' AND n = 2`)
		wantFinding(t, fx.verify(t), "lead_keyed", "edited")
	})
}

// TestFreshChainsStoreBytes: on a fresh database the hashes are 33 bytes
// and the timeline reads them back as the text they cover.
func TestFreshChainsStoreBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		fx := newFixture(t, engine)
		ctx := context.Background()
		if err := fx.db.View(ctx, func(tx *store.Tx) error {
			var width int
			if err := tx.QueryRow(ctx, `SELECT MIN(length(hash)) FROM events`).Scan(&width); err != nil || width != 33 {
				t.Errorf("stored hashes are %d bytes (%v), want 33", width, err)
			}
			events, err := tx.Timeline(ctx, fx.leads[0])
			if err != nil {
				return err
			}
			for i, e := range events {
				if !e.Keyed() || !e.HashValid(fx.key) || (i > 0 && e.PrevHash != events[i-1].Hash) || (i == 0 && e.PrevHash != "") {
					t.Errorf("event %d reads back as %+v", e.N, e)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestVerifyAfterEventsLostTheirLinks: a database written before
// migration 0018 (each event storing its predecessor's hash, and on
// SQLite its time as text: with and without a fraction, with nanoseconds,
// at another offset) verifies after migrating, reads every time back as it
// was, takes new events on the same chains, and still reports a link that
// was broken before the migration: the event after it no longer matches
// its hash.
func TestVerifyAfterEventsLostTheirLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpenAt(t, engine, 17)
		times := []time.Time{
			time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC),
			time.Date(2026, 11, 2, 9, 30, 1, 0, time.UTC),
			time.Date(2026, 11, 2, 11, 30, 2, 500000000, time.FixedZone("CET+1", 2*3600)),
			time.Date(1999, 1, 2, 3, 4, 5, 100000, time.UTC),
		}
		if engine == store.SQLite {
			times = append(times, time.Date(2026, 11, 2, 9, 30, 3, 123456789, time.UTC))
		}
		types := []string{leadrouter.EventCreated, leadrouter.EventRouted, leadrouter.EventPublished, leadrouter.EventStatus, leadrouter.EventScored}
		write := func(subject string, breakAt int) {
			prev := ""
			for i, at := range times {
				e := leadrouter.Event{Subject: subject, N: int64(i + 1), Type: types[i], Actor: admin.Label(), At: at, PrevHash: prev, Data: []byte(`{"i":1}`)}
				e.Hash = e.ComputeKeyedHash(storetest.AuditKey)
				link := e.PrevHash
				if i+1 == breakAt {
					link = "a link to nothing"
					e.PrevHash = link
					e.Hash = e.ComputeKeyedHash(storetest.AuditKey)
				}
				if err := db.Update(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO events (subject, n, type, actor, data, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
						e.Subject, e.N, e.Type, e.Actor, string(e.Data), e.At, store.HashBytes(link), store.HashBytes(e.Hash))
					return err
				}); err != nil {
					t.Fatal(err)
				}
				prev = e.Hash
			}
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO event_heads (subject, n, hash) VALUES (?, ?, ?)`, subject, len(times), store.HashBytes(prev))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		write("lead_whole", 0)
		write("lead_broken", 2)
		if n, err := db.Migrate(ctx); err != nil || n < 1 {
			t.Fatalf("migrate from 0017: %d applied, %v", n, err)
		}
		if engine == store.SQLite {
			var text int
			if err := db.View(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM events WHERE typeof(at) <> 'integer'`).Scan(&text)
			}); err != nil || text != 0 {
				t.Fatalf("%d event times still text (%v)", text, err)
			}
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			events, err := tx.Timeline(ctx, "lead_whole")
			if err != nil {
				return err
			}
			if len(events) != len(times)-1 { // the published event is not on the timeline
				t.Fatalf("timeline of %d events, want %d", len(events), len(times)-1)
			}
			for _, e := range events {
				if want := times[e.N-1]; !e.At.Equal(want) || !e.HashValid(storetest.AuditKey) {
					t.Errorf("event %d reads back at %s (want %s), hash valid %v", e.N, e.At, want, e.HashValid(storetest.AuditKey))
				}
			}
			_, err = tx.AppendEvents(ctx, "lead_whole", admin, store.NewEvent{Type: leadrouter.EventResponse})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 || rep.Findings[0].Subject != "lead_broken" || rep.Findings[0].N != 2 {
			t.Fatalf("findings %v, want one: lead_broken's event 2", rep.Findings)
		}
		if rep.Events != int64(2*len(times)+1) {
			t.Fatalf("verified %d events, want %d", rep.Events, 2*len(times)+1)
		}
	})
}
