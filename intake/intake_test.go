package intake_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// queueRouter routes every lead to one queue; capture's own behaviour
// (dedupe, attribution, idempotency) is what these tests look at.
type queueRouter struct{}

func (queueRouter) Route(_ context.Context, _ *store.Tx, in intake.RouteInput) (intake.Decision, error) {
	d := intake.Decision{Rule: "default", Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, NurtureTrack: "general", Score: 10}
	if in.Lead.CreditedPartnerID != "" {
		d.Rule, d.ReservedPartnerID, d.Owner.ID = "pid", in.Lead.CreditedPartnerID, "marketing-nurture"
	}
	return d, nil
}

func (queueRouter) Rescore(_ context.Context, _ *store.Tx, l *leadrouter.Lead) (int, bool, error) {
	return l.Score + 10, false, nil
}

var admin = leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}

func newService(t *testing.T, engine store.Engine) (*intake.Service, *store.DB) {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	w := intake.NewWriter(db, 64)
	t.Cleanup(w.Close)
	return &intake.Service{DB: db, Writer: w, Router: queueRouter{}}, db
}

func mustPartner(t *testing.T, db *store.DB, in leadrouter.NewPartner) leadrouter.Partner {
	t.Helper()
	var p leadrouter.Partner
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = tx.CreatePartner(context.Background(), admin, in)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCaptureValidation(t *testing.T) {
	svc, _ := newService(t, store.SQLite)
	_, err := svc.Capture(context.Background(), admin, intake.Submission{Email: "not-an-email", Country: "Atlantis", Source: "fax", PID: "x!"}, nil)
	fields := map[string]bool{}
	for _, f := range leadrouter.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"email", "country", "source", "pid", "last_name"} {
		if !fields[want] {
			t.Errorf("missing field error %q in %v", want, err)
		}
	}
}

func TestCaptureNormalisesAndDedupes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		sub := intake.Submission{FirstName: " Cynthia ", LastName: "Russell", Email: "Cynthia@PopCynthia.example", Company: "The Pop Cynthia Project",
			Country: "United States", Phone: "(415) 555-2671", Source: leadrouter.SourceCall}
		first, err := svc.Capture(ctx, admin, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !first.Created || first.Lead.Email != "cynthia@popcynthia.example" || first.Lead.Country != "US" || first.Lead.FirstName != "Cynthia" || first.Lead.PhoneE164 != "+14155552671" {
			t.Fatalf("lead = %+v", first.Lead)
		}
		second, err := svc.Capture(ctx, admin, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if second.Created || second.DuplicateOf != first.Lead.ID {
			t.Fatalf("second submission: created=%v duplicate_of=%q", second.Created, second.DuplicateOf)
		}
		var n int
		_ = db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM leads`).Scan(&n) })
		if n != 1 {
			t.Fatalf("%d leads, want 1", n)
		}
		var lead leadrouter.Lead
		var events []leadrouter.Event
		_ = db.View(ctx, func(tx *store.Tx) error {
			lead, _ = tx.Lead(ctx, admin, first.Lead.ID)
			events, _ = tx.Timeline(ctx, first.Lead.ID)
			return nil
		})
		if lead.Responses != 2 || lead.Owner != first.Lead.Owner {
			t.Fatalf("after response: responses=%d owner=%+v", lead.Responses, lead.Owner)
		}
		types := []string{}
		for _, e := range events {
			types = append(types, e.Type)
		}
		if !strings.Contains(strings.Join(types, ","), leadrouter.EventResponse) {
			t.Fatalf("timeline %v lacks a response", types)
		}
	})
}

func TestConcurrentSubmissionsOfOnePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.Capture(ctx, admin, intake.Submission{LastName: "Same", Email: "same@person.example"}, nil)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n, responses int
		_ = db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*), MAX(responses) FROM leads`).Scan(&n, &responses)
		})
		if n != 1 || responses != 20 {
			t.Fatalf("leads=%d responses=%d, want 1 and 20", n, responses)
		}
	})
}

func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		var wg sync.WaitGroup
		results := make(chan string, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				idem := &intake.Idempotency{UserID: "usr_admin", Key: "retry-1", RequestHash: "h", Render: func(r intake.Result) (int, []byte) {
					return 201, []byte(r.Lead.ID)
				}}
				res, err := svc.Capture(ctx, admin, intake.Submission{LastName: "Key", Email: "key@retry.example"}, idem)
				if err != nil {
					t.Error(err)
					return
				}
				if idem.Replayed != nil {
					results <- string(idem.Replayed.Body)
				} else {
					results <- res.Lead.ID
				}
			}()
		}
		wg.Wait()
		close(results)
		ids := map[string]bool{}
		for id := range results {
			ids[id] = true
		}
		if len(ids) != 1 {
			t.Fatalf("answers name %d different leads: %v", len(ids), ids)
		}
		var n int
		_ = db.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM leads`).Scan(&n) })
		if n != 1 {
			t.Fatalf("%d leads", n)
		}
		// The same key with another body is a conflict.
		_, err := svc.Capture(ctx, admin, intake.Submission{LastName: "Other", Email: "other@retry.example"},
			&intake.Idempotency{UserID: "usr_admin", Key: "retry-1", RequestHash: "different"})
		if leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("reused key: %v", err)
		}
	})
}

func TestAttributionAndSelfReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{PID: "CODE1234", Name: "Coder", Domains: []string{"coder.example"}})
		res, err := svc.Capture(ctx, admin, intake.Submission{LastName: "A", Email: "a@customer.example", PartnerCode: "code1234", Source: leadrouter.SourceCall}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lead.CreditedPID != "CODE1234" || res.Lead.CreditedPartnerID != p.ID || res.Lead.ReservedPartnerID != p.ID {
			t.Fatalf("typed code not credited: %+v", res.Lead)
		}
		self, err := svc.Capture(ctx, admin, intake.Submission{LastName: "B", Email: "b@sales.coder.example", PartnerCode: "CODE1234"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if self.Lead.CreditedPID != "" || self.Lead.ReservedPartnerID != "" {
			t.Fatalf("self-referral credited: %+v", self.Lead)
		}
		var events []leadrouter.Event
		_ = db.View(ctx, func(tx *store.Tx) error { events, err = tx.Timeline(ctx, self.Lead.ID); return err })
		found := false
		for _, e := range events {
			if e.Type == leadrouter.EventSelfReferral && strings.Contains(string(e.Data), "self-referral") {
				found = true
			}
		}
		if !found {
			t.Fatal("timeline does not say why the self-referral was not credited")
		}
	})
}
