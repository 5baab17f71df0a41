package intake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// queueRouter routes every lead to one queue; capture's own behaviour
// (dedupe, attribution, idempotency) is what these tests look at.
type queueRouter struct{}

func (queueRouter) Route(_ context.Context, _ *store.Tx, in intake.RouteInput) (leadrouter.Decision, error) {
	d := leadrouter.Decision{Rule: "default", Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, NurtureTrack: "general", Score: 10}
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

// newRoutedService is newService with the real router (the default
// policy) instead of a queue.
func newRoutedService(t *testing.T, engine store.Engine) (*intake.Service, *live.Router, *store.DB) {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	w := intake.NewWriter(db, 8)
	t.Cleanup(w.Close)
	router, err := live.New(context.Background(), db, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &intake.Service{DB: db, Writer: w, Router: router}, router, db
}

func mustPartner(t *testing.T, db *store.DB, in leadrouter.NewPartner) leadrouter.Partner {
	t.Helper()
	var p leadrouter.Partner
	if err := db.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = adminuc.CreatePartner(context.Background(), tx, admin, in)
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

// TestCaptureRefusesPseudoCountries: the country library's pseudo-codes
// (XX is "None" there) are field errors, never stored.
func TestCaptureRefusesPseudoCountries(t *testing.T) {
	svc, db := newService(t, store.SQLite)
	for _, country := range []string{"XX", "International", "None", "XW", "XK"} {
		_, err := svc.Capture(context.Background(), admin, intake.Submission{LastName: "Tyrell", Email: "eldon@tyrell.example", Country: country}, nil)
		if fields := leadrouter.ErrorFields(err); len(fields) != 1 || fields[0].Field != "country" {
			t.Errorf("country %q: %v, want one field error on country", country, err)
		}
	}
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		page, err := tx.Leads(context.Background(), admin, leadrouter.LeadFilter{})
		if err == nil && len(page.Items) != 0 {
			t.Errorf("stored %d leads", len(page.Items))
		}
		return err
	}); err != nil {
		t.Fatal(err)
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
		n, _ := countLeads(t, db)
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
		n, responses := countLeads(t, db)
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
		n, _ := countLeads(t, db)
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

// TestContactDuplicateGoesToItsLead submits the e-mail of a converted lead
// (now a contact) through capture and the CSV import: no lead is created;
// the response is on the contact's timeline and on the converted lead's,
// whose engagement is counted, and the result is that lead (not a blank
// one) with the contact as duplicate_of.
func TestContactDuplicateGoesToItsLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		sub := intake.Submission{FirstName: "Carl", LastName: "Maple", Email: "carl@maple-soft.example", Company: "Maple Soft", Country: "CA", Source: leadrouter.SourceCall}
		first, err := svc.Capture(ctx, admin, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		lc := &lifecycle.Service{DB: db}
		no := false
		if _, err := lc.Qualify(ctx, admin, first.Lead.ID, lifecycle.QualifyInput{ConsentShare: &no}); err != nil {
			t.Fatal(err)
		}
		conv, err := lc.Convert(ctx, admin, first.Lead.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}

		sub.LastName, sub.Source = "Noconsent", leadrouter.SourceEmail
		again, err := svc.Capture(ctx, admin, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.DuplicateOf != conv.Contact.ID || again.DuplicateKind != "contact" {
			t.Fatalf("second submission: created=%v duplicate_of=%q kind=%q", again.Created, again.DuplicateOf, again.DuplicateKind)
		}
		l := again.Lead
		if l.ID != first.Lead.ID || l.CreatedAt.IsZero() || l.Status != leadrouter.StatusConverted || l.Responses != 2 || l.Owner != first.Lead.Owner {
			t.Fatalf("merged into lead %+v", l)
		}
		responses := func(subject string) []map[string]any {
			t.Helper()
			var out []map[string]any
			if err := db.View(ctx, func(tx *store.Tx) error {
				events, err := tx.Timeline(ctx, subject)
				for _, e := range events {
					if e.Type == leadrouter.EventResponse {
						var d map[string]any
						_ = json.Unmarshal(e.Data, &d)
						out = append(out, d)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if r := responses(first.Lead.ID); len(r) != 1 || r[0]["contact_id"] != conv.Contact.ID || r[0]["last_name"] != "Noconsent" || r[0]["responses"] != float64(2) {
			t.Fatalf("responses on the lead's timeline: %v", r)
		}
		if r := responses(conv.Contact.ID); len(r) != 1 || r[0]["lead_id"] != first.Lead.ID {
			t.Fatalf("responses on the contact's timeline: %v", r)
		}

		// The CSV import takes the same path and names the lead.
		csv := "First Name,Last Name,Email,Country\nCarl,Imported,carl@maple-soft.example,CA\n"
		var outcomes []intake.RowOutcome
		rep, err := svc.Import(ctx, admin, strings.NewReader(csv), 1, func(o intake.RowOutcome) { outcomes = append(outcomes, o) })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Merged != 1 || len(outcomes) != 1 || outcomes[0].LeadID != first.Lead.ID ||
			!strings.Contains(outcomes[0].Detail, "contact "+conv.Contact.ID) || !strings.Contains(outcomes[0].Detail, first.Lead.ID) {
			t.Fatalf("import report %+v, outcomes %+v", rep, outcomes)
		}
		leads, responsesCount := countLeads(t, db)
		if leads != 1 || responsesCount != 3 {
			t.Fatalf("%d leads with up to %d responses, want 1 with 3", leads, responsesCount)
		}
	})
}

// TestSelfReferralIsNotRoutedToItsPartner submits a lead from the
// crediting partner's own domain through the real router: no credit, and
// the international rule passes over that partner (the trace says why),
// for capture and explain alike.
func TestSelfReferralIsNotRoutedToItsPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, router, db := newRoutedService(t, engine)
		berlin := mustPartner(t, db, leadrouter.NewPartner{PID: "BERLIN01", Name: "Berlin Systems", Countries: []string{"DE"}, Domains: []string{"berlin-systems.example"}})
		self := intake.Submission{LastName: "Self", Email: "self@berlin-systems.example", Country: "DE", PID: "BERLIN01", Source: leadrouter.SourceCall}

		// Berlin is the only partner in DE: the lead falls through to the
		// vendor's queue.
		res, err := svc.Capture(ctx, admin, self, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lead.CreditedPartnerID != "" || res.Lead.ReservedPartnerID != "" || res.Lead.Owner.PartnerID == berlin.ID || res.Lead.HandoffPartnerID != "" {
			t.Fatalf("self-referral: %+v", res.Lead)
		}
		trace, _ := json.Marshal(res.Decision.Trace)
		if !strings.Contains(string(trace), "excluded (self-referral: the lead's e-mail domain berlin-systems.example is the crediting partner's own)") {
			t.Fatalf("trace does not say why Berlin was skipped: %s", trace)
		}

		// With another partner in DE, the rotation gives it to that one
		// every time.
		munich := mustPartner(t, db, leadrouter.NewPartner{PID: "MUNICH02", Name: "Munich ERP", Countries: []string{"DE"}})
		router.InvalidateDirectory()
		for i := range 3 {
			sub := self
			sub.Email = fmt.Sprintf("self%d@sales.berlin-systems.example", i)
			res, err := svc.Capture(ctx, admin, sub, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision.Rule != "international" || res.Lead.Owner.PartnerID != munich.ID {
				t.Fatalf("self-referral %d routed by %s to %+v", i, res.Decision.Rule, res.Lead.Owner)
			}
		}
		sub := self
		sub.Email = "self9@berlin-systems.example"
		dec, err := router.Explain(ctx, sub, "")
		if err != nil {
			t.Fatal(err)
		}
		trace, _ = json.Marshal(dec.Trace)
		if dec.Owner.PartnerID != munich.ID || !strings.Contains(string(trace), "self-referral") {
			t.Fatalf("explain: %+v %s", dec.Owner, trace)
		}

		// Reassigning the first self-referral (routed to the queue) never
		// gives it to Berlin either: the timeline remembers whom it named.
		for i := range 3 {
			err := db.Update(ctx, func(tx *store.Tx) error {
				owner, _, trace, err := router.Reroute(ctx, tx, res.Lead, nil)
				if err != nil {
					return err
				}
				raw, _ := json.Marshal(trace)
				if owner.PartnerID == berlin.ID || !strings.Contains(string(raw), "self-referral") {
					t.Errorf("reroute %d: %+v %s", i, owner, raw)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		// Any other lead from DE still reaches Berlin in its turn.
		owners := map[string]bool{}
		for i := range 2 {
			res, err := svc.Capture(ctx, admin, intake.Submission{LastName: "Other", Email: fmt.Sprintf("o%d@customer.example", i), Country: "DE", Source: leadrouter.SourceCall}, nil)
			if err != nil {
				t.Fatal(err)
			}
			owners[res.Lead.Owner.PartnerID] = true
		}
		if !owners[berlin.ID] || !owners[munich.ID] {
			t.Fatalf("other DE leads went to %v", owners)
		}
	})
}

// TestDemoRequestResponseKeepsScoring: a lead captured without a form that
// later asks for a demo keeps the demo points on every later rescore (the
// form kind the scoring sees is stored with the lead).
func TestDemoRequestResponseKeepsScoring(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, _, db := newRoutedService(t, engine)
		sub := intake.Submission{LastName: "Later", Email: "later@demo-kind.example", Country: "US", Source: leadrouter.SourceCall}
		first, err := svc.Capture(ctx, admin, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		demo := sub
		demo.Source, demo.FormKind, demo.FormSlug = leadrouter.SourceWebForm, leadrouter.FormDemoRequest, "demo-request"
		if _, err := svc.Capture(ctx, admin, demo, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Capture(ctx, admin, sub, nil); err != nil {
			t.Fatal(err)
		}
		var l leadrouter.Lead
		if err := db.View(ctx, func(tx *store.Tx) error {
			l, err = tx.Lead(ctx, admin, first.Lead.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// 40 for the demo request, 10 + 10 for the 2nd and 3rd responses.
		if l.FormKind != leadrouter.FormDemoRequest || l.Score < 60 || l.Status != leadrouter.StatusMQL {
			t.Fatalf("after a demo request and another response: form kind %q, score %d, status %s", l.FormKind, l.Score, l.Status)
		}
	})
}

// countLeads returns how many leads are stored and the most responses one
// of them has.
func countLeads(t *testing.T, db *store.DB) (leads, maxResponses int) {
	t.Helper()
	ctx := context.Background()
	err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(responses), 0) FROM leads`).Scan(&leads, &maxResponses)
	})
	if err != nil {
		t.Fatal(err)
	}
	return leads, maxResponses
}

// TestWebinarLeadsAreCreditedToNoOne: a webinar lead with a PID (an API
// call or an imported row alike) credits no partner, and says why.
func TestWebinarLeadsAreCreditedToNoOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Webinar Friends", PID: "WEBFRND1", Countries: []string{"DE"}})
		res, err := svc.Capture(ctx, admin, intake.Submission{LastName: "Viewer", Email: "viewer@webinar-co.example", Source: leadrouter.SourceWebinar, PID: string(p.PID)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Lead.CreditedPartnerID != "" || res.Lead.CreditedPID != "" {
			t.Fatalf("a webinar lead was credited: %+v", res.Lead)
		}
		csv := "Last Name,Email,Lead Source,Partner ID\nRow,row@webinar-co.example,Webinar,WEBFRND1\n"
		if _, err := svc.Import(ctx, admin, strings.NewReader(csv), 2, nil); err != nil {
			t.Fatal(err)
		}
		var credited int
		_ = db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM leads WHERE credited_partner_id IS NOT NULL`).Scan(&credited)
		})
		if credited != 0 {
			t.Fatalf("%d webinar leads credited", credited)
		}
	})
}
