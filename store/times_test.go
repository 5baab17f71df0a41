package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestTimesAsIntegers: a database written before migration 0023 (on
// SQLite the times of leads, consent records and assignments as the
// driver's text: with and without a fraction, at another offset) reads
// every time back as it was after it, stores them as integers on SQLite,
// and the jobs and figures that compare those times find the rows: a due
// assignment lapses, a due reminder is sent, the month's assignments and
// attributed leads are counted.
func TestTimesAsIntegers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpenAt(t, engine, 22)
		created := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
		updated := time.Date(2026, 11, 2, 11, 30, 1, 0, time.FixedZone("CET+1", 2*3600))
		consented := time.Date(2026, 11, 2, 9, 30, 0, 500000000, time.UTC)
		opened, due, remind := created, created.Add(48*time.Hour), created.Add(24*time.Hour)
		var leadID, partnerID, assignmentID string
		if err := db.Update(ctx, func(tx *store.Tx) error {
			p, err := adminuc.CreatePartner(ctx, tx, leadrouter.System, leadrouter.NewPartner{Name: "Zeit GmbH", Countries: []string{"DE"}, Tier: "gold"})
			if err != nil {
				return err
			}
			partnerID, leadID, assignmentID = p.ID, leadrouter.NewID("lead"), leadrouter.NewID("asg")
			if _, err := tx.Exec(ctx, `INSERT INTO leads (id, status, email, source, owner_kind, owner_id, owner_partner_id, credited_partner_id,
				consent_share, consent_at, created_at, updated_at) VALUES (?, 'nurturing', 'zeit@zeit.example', 'api', 'partner', ?, ?, ?, ?, ?, ?, ?)`,
				leadID, p.ID, p.ID, p.ID, true, consented, created, updated); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO consents (id, lead_id, share, source, ip, actor, at) VALUES (?, ?, ?, 'api', '', 'usr_api', ?)`,
				leadrouter.NewID("cns"), leadID, true, consented); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO assignments (id, lead_id, partner_id, status, rule, opened_at, due_at, remind_at) VALUES (?, ?, ?, 'pending', 'r', ?, ?, ?)`,
				assignmentID, leadID, p.ID, opened, due, remind)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		same := func(what string, got, want time.Time) {
			t.Helper()
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%s reads %v, want %v in UTC", what, got, want)
			}
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if engine == store.SQLite {
				var kinds string
				if err := tx.QueryRow(ctx, `SELECT typeof(l.created_at) || typeof(l.updated_at) || typeof(l.consent_at) || typeof(c.at)
					|| typeof(a.opened_at) || typeof(a.due_at) || typeof(a.remind_at)
					FROM leads l, consents c, assignments a WHERE c.lead_id = l.id AND a.lead_id = l.id`).Scan(&kinds); err != nil {
					return err
				}
				if kinds != "integerintegerintegerintegerintegerintegerinteger" {
					t.Errorf("after the migration the times are stored as %s", kinds)
				}
			}
			l, err := tx.Lead(ctx, leadrouter.System, leadID)
			if err != nil {
				return err
			}
			same("created_at", l.CreatedAt, created)
			same("updated_at", l.UpdatedAt, updated)
			if l.Consent.At == nil {
				t.Error("consent_at reads nil")
			} else {
				same("consent_at", *l.Consent.At, consented)
			}
			cs, err := tx.Consents(ctx, leadID)
			if err != nil || len(cs) != 1 {
				t.Fatalf("consents %v, %v", cs, err)
			}
			same("a consent's time", cs[0].At, consented)
			n, err := tx.LeadCountSince(ctx, partnerID, created.Add(-time.Hour))
			if err != nil || n["2026-11"] != 1 {
				t.Errorf("attributed leads since: %v, %v", n, err)
			}
			if n, err := tx.LeadCountSince(ctx, partnerID, created.Add(time.Hour)); err != nil || len(n) != 0 {
				t.Errorf("attributed leads since later: %v, %v", n, err)
			}
			in, err := tx.AssignmentsOpened(ctx, nil, opened, opened.Add(time.Microsecond))
			if err != nil || len(in) != 1 {
				t.Fatalf("assignments opened: %v, %v", in, err)
			}
			same("opened_at", in[0].OpenedAt, opened)
			same("due_at", in[0].DueAt, due)
			same("remind_at", in[0].RemindAt, remind)
			if early, err := tx.ClaimReminders(ctx, remind.Add(-time.Microsecond), 10); err != nil || len(early) != 0 {
				t.Errorf("reminders before they are due: %v, %v", early, err)
			}
			reminded, err := tx.ClaimReminders(ctx, remind, 10)
			if err != nil || len(reminded) != 1 {
				t.Fatalf("reminders due: %v, %v", reminded, err)
			}
			if early, err := tx.ClaimDueAssignments(ctx, due.Add(-time.Microsecond), 10); err != nil || len(early) != 0 {
				t.Errorf("assignments before they are due: %v, %v", early, err)
			}
			lapsing, err := tx.ClaimDueAssignments(ctx, due, 10)
			if err != nil || len(lapsing) != 1 {
				t.Fatalf("assignments due: %v, %v", lapsing, err)
			}
			a := lapsing[0]
			answered := due.Add(time.Second)
			a.Status, a.AnsweredAt, a.AnsweredBy = leadrouter.AssignmentLapsed, &answered, "system"
			if ok, err := tx.AnswerAssignment(ctx, a); err != nil || !ok {
				t.Fatalf("lapse: %v, %v", ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.View(ctx, func(tx *store.Tx) error {
			as, err := tx.AssignmentsOfLead(ctx, leadID)
			if err != nil || len(as) != 1 || as[0].AnsweredAt == nil || as[0].RemindedAt == nil {
				t.Fatalf("after lapsing: %+v, %v", as, err)
			}
			same("answered_at", *as[0].AnsweredAt, due.Add(time.Second))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
