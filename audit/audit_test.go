package audit_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/audit"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

var admin = leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}

// fixture is a database with two lead timelines (four events each, one a
// consent with its record) and a checkpoint of both.
type fixture struct {
	db     *store.DB
	key    []byte
	log    *audit.Log
	leads  []string
	engine store.Engine
}

func newFixture(t *testing.T, engine store.Engine) *fixture {
	t.Helper()
	ctx := context.Background()
	fx := &fixture{db: storetest.MustOpen(t, engine), key: storetest.AuditKey, engine: engine}
	fx.log = &audit.Log{Path: filepath.Join(t.TempDir(), "audit-log"), Key: fx.key}
	for i := range 2 {
		id := leadrouter.NewID("lead")
		fx.leads = append(fx.leads, id)
		if err := fx.db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO leads (id, status, email, company, source, owner_kind, owner_id, created_at, updated_at) VALUES (?, 'new', ?, 'Acme', 'api', 'queue', 'inside-sales', ?, ?)`,
				id, "p"+string(rune('a'+i))+"@acme.example", tx.Now(), tx.Now()); err != nil {
				return err
			}
			if err := tx.InsertConsent(ctx, id, true, "You may share my details.", "web_form", "192.0.2.7", admin.Label()); err != nil {
				return err
			}
			_, err := tx.AppendEvents(ctx, id, admin, store.NewEvent{Type: leadrouter.EventCreated},
				store.NewEvent{Type: leadrouter.EventConsent, Data: map[string]any{"share": true, "text": "You may share my details.", "source": "web_form", "ip": "192.0.2.7"}},
				store.NewEvent{Type: leadrouter.EventRouted, Data: map[string]string{"rule": "default"}},
				store.NewEvent{Type: leadrouter.EventNurture, Data: map[string]string{"track": "general"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, err := audit.Checkpoint(ctx, fx.db, fx.log); err != nil || n != 2 {
		t.Fatalf("checkpoint: %d heads, %v", n, err)
	}
	if findings := fx.verify(t); len(findings) > 0 {
		t.Fatalf("a fresh database: %v", findings)
	}
	return fx
}

func (fx *fixture) verify(t *testing.T) []audit.Finding {
	t.Helper()
	st, err := audit.ReadLog(fx.log.Path, fx.key)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(context.Background(), fx.db, fx.key, st)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Findings
}

// attack runs statements as someone with write access to the database:
// the append-only triggers are out of the way.
func (fx *fixture) attack(t *testing.T, statements ...string) {
	t.Helper()
	var withArgs []statement
	for _, q := range statements {
		withArgs = append(withArgs, statement{q: q})
	}
	fx.attackWith(t, withArgs...)
}

// statement is one SQL statement of an attack and its arguments.
type statement struct {
	q    string
	args []any
}

// attackWith is attack with statements that take arguments.
func (fx *fixture) attackWith(t *testing.T, statements ...statement) {
	t.Helper()
	ctx := context.Background()
	storetest.MustTamper(t, fx.db)
	if err := fx.db.Update(ctx, func(tx *store.Tx) error {
		for _, st := range statements {
			if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// rechain rewrites every event of subject from n on with hashes made by
// hash (and the head after them), as an attacker covering an edit would.
func (fx *fixture) rechain(t *testing.T, subject string, hash func(leadrouter.Event) string) {
	t.Helper()
	ctx := context.Background()
	var events []leadrouter.Event
	if err := fx.db.View(ctx, func(tx *store.Tx) error {
		var err error
		events, err = tx.Timeline(ctx, subject)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	prev := ""
	var stmts []statement
	for _, e := range events {
		e.PrevHash = prev
		e.Hash = hash(e)
		prev = e.Hash
		stmts = append(stmts, statement{"UPDATE events SET hash = ? WHERE seq = ?", []any{store.HashBytes(e.Hash), e.Seq}})
	}
	stmts = append(stmts, statement{"UPDATE event_heads SET hash = ? WHERE subject = ?", []any{store.HashBytes(prev), subject}})
	fx.attackWith(t, stmts...)
}

func wantFinding(t *testing.T, findings []audit.Finding, subject, word string) {
	t.Helper()
	for _, f := range findings {
		if f.Subject == subject && strings.Contains(f.Problem, word) {
			return
		}
	}
	t.Fatalf("want a finding on %s saying %q, got %v", subject, word, findings)
}

// TestVerifyCatchesRewrites: every way of rewriting a timeline that the
// unkeyed chain let through is reported.
func TestVerifyCatchesRewrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		t.Run("edit with an unkeyed hash recomputed", func(t *testing.T) {
			fx := newFixture(t, engine)
			fx.attack(t, `UPDATE events SET data = '{"rule":"pid"}' WHERE subject = '`+fx.leads[0]+`' AND n = 3`)
			fx.rechain(t, fx.leads[0], leadrouter.Event.ComputeHash)
			wantFinding(t, fx.verify(t), fx.leads[0], "")
		})
		t.Run("edit rehashed with another key", func(t *testing.T) {
			fx := newFixture(t, engine)
			fx.attack(t, `UPDATE events SET data = '{"rule":"pid"}' WHERE subject = '`+fx.leads[0]+`' AND n = 3`)
			fx.rechain(t, fx.leads[0], func(e leadrouter.Event) string {
				return e.ComputeKeyedHash([]byte("the attacker's own key, 32 bytes long"))
			})
			wantFinding(t, fx.verify(t), fx.leads[0], "edited")
		})
		t.Run("tail deleted and head fixed", func(t *testing.T) {
			fx := newFixture(t, engine)
			var hash []byte
			_ = fx.db.View(context.Background(), func(tx *store.Tx) error {
				return tx.QueryRow(context.Background(), `SELECT hash FROM events WHERE subject = ? AND n = 2`, fx.leads[1]).Scan(&hash)
			})
			fx.attackWith(t, statement{q: `DELETE FROM events WHERE subject = '` + fx.leads[1] + `' AND n > 2`},
				statement{`UPDATE event_heads SET n = 2, hash = ? WHERE subject = ?`, []any{hash, fx.leads[1]}})
			wantFinding(t, fx.verify(t), fx.leads[1], "removed")
		})
		t.Run("whole timeline deleted", func(t *testing.T) {
			fx := newFixture(t, engine)
			fx.attack(t, `DELETE FROM events WHERE subject = '`+fx.leads[1]+`'`, `DELETE FROM event_heads WHERE subject = '`+fx.leads[1]+`'`)
			wantFinding(t, fx.verify(t), fx.leads[1], "deleted")
		})
		t.Run("consent record edited", func(t *testing.T) {
			fx := newFixture(t, engine)
			fx.attack(t, `INSERT INTO wordings (text) VALUES ('You may sell my details.')`,
				`UPDATE consents SET wording = (SELECT MAX(id) FROM wordings) WHERE lead_id = '`+fx.leads[0]+`'`)
			wantFinding(t, fx.verify(t), fx.leads[0], "consent")
		})
		t.Run("consent wording edited", func(t *testing.T) {
			// Both records share the wording: both are found.
			fx := newFixture(t, engine)
			fx.attack(t, `UPDATE wordings SET text = 'You may sell my details.'`)
			findings := fx.verify(t)
			wantFinding(t, findings, fx.leads[0], "consent")
			wantFinding(t, findings, fx.leads[1], "consent")
		})
		t.Run("consent record deleted", func(t *testing.T) {
			fx := newFixture(t, engine)
			fx.attack(t, `DELETE FROM consents WHERE lead_id = '`+fx.leads[1]+`'`)
			wantFinding(t, fx.verify(t), fx.leads[1], "no matching consent record")
		})
		t.Run("checkpoint file edited", func(t *testing.T) {
			fx := newFixture(t, engine)
			raw, _ := os.ReadFile(fx.log.Path)
			if err := os.WriteFile(fx.log.Path, []byte(strings.Replace(string(raw), `"n":4`, `"n":3`, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := audit.ReadLog(fx.log.Path, fx.key); err == nil || !strings.Contains(err.Error(), "does not match") {
				t.Fatalf("an edited checkpoint file was read: %v", err)
			}
		})
	})
}

// TestVerifyUpgradesUnkeyedChains: a database whose events were written
// before the audit key existed still verifies with the key, later events
// are keyed, and the first checkpoint anchors the old ones.
func TestVerifyUpgradesUnkeyedChains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		old, err := store.Open(ctx, url, store.Options{SQLiteSynchronous: "NORMAL", MatchKeys: match.Keys{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := old.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendEvents(ctx, "acc_old", admin, store.NewEvent{Type: leadrouter.EventAccountCreated}, store.NewEvent{Type: "response"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		old.Close()
		db := storetest.MustOpenURL(t, url)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			events, err := tx.AppendEvents(ctx, "acc_old", admin, store.NewEvent{Type: "response"})
			if err == nil && !events[0].Keyed() {
				t.Error("an event written with the key is not keyed")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		log := &audit.Log{Path: filepath.Join(t.TempDir(), "audit-log"), Key: storetest.AuditKey}
		if _, _, err := audit.Checkpoint(ctx, db, log); err != nil {
			t.Fatal(err)
		}
		st, err := audit.ReadLog(log.Path, storetest.AuditKey)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db, storetest.AuditKey, st)
		if err != nil || len(rep.Findings) > 0 || rep.Events != 3 {
			t.Fatalf("upgraded chain: %+v %v", rep, err)
		}
		// Without the key, keyed events cannot be checked.
		if rep, _ := audit.Verify(ctx, db, nil, st); len(rep.Findings) == 0 {
			t.Error("keyed events verified without the key")
		}
	})
}
