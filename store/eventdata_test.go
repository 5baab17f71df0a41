package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// routedData is shaped like a routing decision's data, owned by pid.
func routedData(pid string) map[string]any {
	return map[string]any{
		"owner":          map[string]any{"kind": "partner", "id": pid, "partner_id": pid},
		"policy_version": 3, "reserved_partner_id": "", "rule": "international",
		"steps": []any{[]any{"duplicate", "not_response"}, []any{"pid", "no_pid"}, []any{"account-owner", "no_account_owner"},
			[]any{"international", "territory_pick", 3, []any{"AT", "round_robin", "2", "1", pid}, pid, "", []any{[]any{"ptr_other"}, []any{pid}}}},
	}
}

// TestEventDataPacked: on SQLite an event's data is stored packed where
// that is shorter and read back byte for byte, on both read paths (the
// timeline and the audit); the audit notices a packed row swapped for
// another's. What a webhook source picks by its data stays text, as does
// what packing would not shorten; PostgreSQL stores text.
func TestEventDataPacked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		random := make([]byte, 64)
		for i := range random {
			random[i] = byte(i*7919 + i*i*31)
		}
		events := func(pid string) []store.NewEvent {
			return []store.NewEvent{
				{Type: leadrouter.EventCreated},
				{Type: leadrouter.EventRouted, Data: routedData(pid)},
				{Type: leadrouter.EventStatus, Data: map[string]string{"from": "mql", "to": "qualified", "reason": "qualified by the PAM after a call"}},
				{Type: leadrouter.EventTouch, Data: map[string]any{"at": "2026-12-05T10:00:00Z", "kind": "link", "landing": "https://www.vendor.example/de/lösungen?utm_source=partner", "pid": "MÜNCHEN1"}},
				{Type: leadrouter.EventNurture, Data: map[string]any{"score": 10, "track": "general"}},
				{Type: "note", Data: map[string]string{"text": hex.EncodeToString(random)}},
			}
		}
		subjects := map[string]string{"lead_packed1": "ptr_0sgz1aaaaaaaa0000aaaaaaa", "lead_packed2": "ptr_0sgz1bbbbbbbb0000bbbbbbb"}
		want := map[string][][]byte{}
		for subject, pid := range subjects {
			for _, e := range events(pid) {
				raw := []byte("{}")
				if e.Data != nil {
					raw, _ = json.Marshal(e.Data)
				}
				want[subject] = append(want[subject], raw)
			}
			if err := db.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.AppendEvents(ctx, subject, admin, events(pid)...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			for subject := range subjects {
				got, err := tx.Timeline(ctx, subject)
				if err != nil {
					return err
				}
				if len(got) != len(want[subject]) {
					t.Fatalf("%s: %d events, want %d", subject, len(got), len(want[subject]))
				}
				for i, e := range got {
					if string(e.Data) != string(want[subject][i]) {
						t.Errorf("%s event %d (%s) reads back as %s, want %s", subject, e.N, e.Type, e.Data, want[subject][i])
					}
				}
			}
			// How each is stored.
			wantKind := map[string]string{leadrouter.EventCreated: "text", leadrouter.EventRouted: "blob", leadrouter.EventStatus: "text",
				leadrouter.EventTouch: "blob", leadrouter.EventNurture: "blob", "note": "text"}
			query := `SELECT type, typeof(data), length(data) FROM events WHERE subject = 'lead_packed1' ORDER BY n`
			if engine == store.Postgres {
				query = `SELECT type, 'text', octet_length(data) FROM events WHERE subject = 'lead_packed1' ORDER BY n`
			}
			rows, err := tx.Query(ctx, query)
			if err != nil {
				return err
			}
			defer rows.Close()
			for i := 0; rows.Next(); i++ {
				var typ, kind string
				var n int
				if err := rows.Scan(&typ, &kind, &n); err != nil {
					return err
				}
				if engine == store.Postgres {
					wantKind[typ] = "text"
				}
				if kind != wantKind[typ] {
					t.Errorf("%s data stored as %s, want %s", typ, kind, wantKind[typ])
				}
				if raw := len(want["lead_packed1"][i]); kind == "blob" && (n >= raw || typ == leadrouter.EventRouted && n*3 > raw) {
					t.Errorf("%s data packed to %d bytes from %d", typ, n, len(want["lead_packed1"][i]))
				}
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil); err != nil || len(rep.Findings) > 0 || rep.Events != 12 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		// One lead's routing decision swapped for the other's, behind the
		// triggers' back.
		storetest.MustTamper(t, db, `UPDATE events SET data = (SELECT data FROM events WHERE subject = 'lead_packed2' AND n = 2) WHERE subject = 'lead_packed1' AND n = 2`)
		rep, err := audit.Verify(ctx, db, storetest.AuditKey, nil)
		if err != nil || len(rep.Findings) != 1 || rep.Findings[0].Subject != "lead_packed1" || rep.Findings[0].N != 2 {
			t.Fatalf("swapped decision: %+v %v", rep.Findings, err)
		}
	})
}

// TestEventDictionaryIsFrozen: events packed with eventdict1.txt can be
// read only with it. A better dictionary is a new file and a new first
// byte (store/eventdata.go), never an edit.
func TestEventDictionaryIsFrozen(t *testing.T) {
	b, err := os.ReadFile("eventdict1.txt")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != eventDict1SHA256 {
		t.Fatalf("eventdict1.txt changed (sha256 %s): data stored with it could no longer be read", got)
	}
	if strings.Count(string(b), "\n") < 20 {
		t.Fatal("eventdict1.txt is not the dictionary")
	}
}

const eventDict1SHA256 = "95b8c072b60cbb19b71554e742eb30d4976c1b3915714ba0bf90dbcf67d3fcbb"
