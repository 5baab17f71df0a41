package assignment_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// testPolicy hands leads from outside the US to the partners of their
// country in turn, the rest to inside sales; partners answer within 2s.
const testPolicy = `
home_country: US
respond_within: 2s
decline_reasons: [no_capacity, not_our_territory, other]
rules:
  - id: international
    when:
      international: true
    action: assign_territory
    strategy: round_robin
  - id: default
    action: assign_queue
    queue: inside-sales
`

type world struct {
	db      *store.DB
	f       *lifecycletest.Fixture
	svc     *assignment.Service
	capture *intake.Service
	life    *lifecycle.Service
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	f := lifecycletest.MustFixture(t, db)
	// P1 and P3 share Germany.
	countries := []string{"ES", "DE"}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := admin.UpdatePartner(ctx, tx, leadrouter.System, f.P3.ID, leadrouter.PartnerUpdate{Countries: &countries})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	router, err := live.New(ctx, db, []byte(testPolicy), "test")
	if err != nil {
		t.Fatal(err)
	}
	svc := &assignment.Service{DB: db, Policy: router, Reroute: router.Reroute}
	w := intake.NewWriter(db, 64)
	t.Cleanup(w.Close)
	return &world{db: db, f: f, svc: svc, capture: &intake.Service{DB: db, Writer: w, Router: router, Assignments: svc},
		life: &lifecycle.Service{DB: db, Reroute: router.Reroute, Policy: router, Assignments: svc}}
}

func (w *world) lead(t *testing.T, email string) leadrouter.Lead {
	t.Helper()
	share := true
	res, err := w.capture.Capture(context.Background(), leadrouter.System, intake.Submission{FirstName: "Greta", LastName: "Gruber", Email: email,
		Company: "Gruber Maschinenbau GmbH", Country: "DE", Source: leadrouter.SourceAPI, ConsentShare: &share, ConsentText: "Yes, share."}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Lead
}

func (w *world) pending(t *testing.T, leadID string) leadrouter.Assignment {
	t.Helper()
	var a leadrouter.Assignment
	if err := w.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		a, err = tx.PendingAssignmentOfLead(context.Background(), leadID)
		return err
	}); err != nil {
		t.Fatalf("pending assignment of %s: %v", leadID, err)
	}
	return a
}

func (w *world) userOf(p leadrouter.Partner) leadrouter.Actor {
	if p.ID == w.f.P1.ID {
		return w.f.Actor("p1a")
	}
	return w.f.Actor("p3a")
}

func timelineTypes(t *testing.T, db *store.DB, leadID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	_ = db.View(context.Background(), func(tx *store.Tx) error {
		events, err := tx.Timeline(context.Background(), leadID)
		for _, e := range events {
			out[e.Type]++
		}
		return err
	})
	return out
}

func skipAhead(db *store.DB, d time.Duration) {
	now := db.Now
	db.Now = func() time.Time { return now().Add(d) }
}

// TestDeclineThenLapse: routed to A, A declines → routed again to B with
// A's reason on the timeline; B lets it lapse → nobody left: the vendor's
// queue. Performance shows A's decline and B's lapse.
func TestDeclineThenLapse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newWorld(t, storetest.MustOpen(t, engine))
		l := w.lead(t, "greta@gruber.example")
		first := w.pending(t, l.ID)
		if l.Owner.PartnerID != first.PartnerID || first.Rule != "international" || first.DueAt.Sub(first.OpenedAt) != 2*time.Second {
			t.Fatalf("lead %+v, assignment %+v", l.Owner, first)
		}
		a, b := w.f.P1, w.f.P3
		if first.PartnerID == b.ID {
			a, b = b, a
		}
		// Nobody else answers A's assignment: B's user gets 404, staff 403.
		if _, err := w.svc.Accept(ctx, w.userOf(b), first.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("another partner accepted: %v", err)
		}
		if _, err := w.svc.Decline(ctx, w.f.Actor("admin"), first.ID, assignment.DeclineInput{Reason: "no_capacity"}); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
			t.Fatalf("an admin declined for the partner: %v", err)
		}
		if _, err := w.svc.Decline(ctx, w.userOf(a), first.ID, assignment.DeclineInput{Reason: "too_busy"}); leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Fatalf("unknown reason: %v", err)
		}
		if _, err := w.svc.Decline(ctx, w.userOf(a), first.ID, assignment.DeclineInput{Reason: "no_capacity", Note: "Full until March."}); err != nil {
			t.Fatal(err)
		}
		second := w.pending(t, l.ID)
		if second.PartnerID != b.ID {
			t.Fatalf("after A declined the lead went to %s, want B %s", second.PartnerID, b.ID)
		}
		if _, err := w.svc.Accept(ctx, w.userOf(a), first.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND && leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("accepting a declined assignment: %v", err)
		}
		var declined map[string]any
		_ = w.db.View(ctx, func(tx *store.Tx) error {
			events, _ := tx.Timeline(ctx, l.ID)
			for _, e := range events {
				if e.Type == leadrouter.EventAssignmentDeclined {
					declined = map[string]any{"data": string(e.Data), "actor": e.Actor}
				}
			}
			return nil
		})
		if declined == nil || !strings.Contains(declined["data"].(string), `"reason":"no_capacity"`) || declined["actor"] != w.userOf(a).Label() {
			t.Fatalf("the decline on the timeline: %v", declined)
		}

		// B does not answer in time: the job lapses it, nobody is left.
		skipAhead(w.db, 3*time.Second)
		if n, err := w.svc.LapseDue(ctx); err != nil || n != 1 {
			t.Fatalf("lapsed %d (%v), want 1", n, err)
		}
		if n, _ := w.svc.LapseDue(ctx); n != 0 {
			t.Fatalf("lapsed again: %d", n)
		}
		var now leadrouter.Lead
		_ = w.db.View(ctx, func(tx *store.Tx) error { now, _ = tx.Lead(ctx, leadrouter.System, l.ID); return nil })
		if now.Owner.Kind != leadrouter.OwnerQueue && now.Owner.Kind != leadrouter.OwnerUser || now.Owner.PartnerID != "" {
			t.Fatalf("after the lapse the lead is owned by %+v, want the vendor", now.Owner)
		}
		types := timelineTypes(t, w.db, l.ID)
		if types[leadrouter.EventAssignmentOpened] != 2 || types[leadrouter.EventAssignmentLapsed] != 1 || types[leadrouter.EventOwnerChanged] != 2 {
			t.Fatalf("timeline %v", types)
		}
		from, to, _ := assignment.Period("", "", w.db.Now())
		pa, err := w.svc.Performance(ctx, w.userOf(a), a.ID, from, to)
		if err != nil || pa.Totals.Received != 1 || pa.Totals.Declined != 1 || pa.DeclinedByReason["no_capacity"] != 1 {
			t.Fatalf("A's performance %+v %v", pa, err)
		}
		pb, err := w.svc.Performance(ctx, w.f.Actor("pam1"), b.ID, from, to)
		if err != nil || pb.Totals.Received != 1 || pb.Totals.Lapsed != 1 {
			t.Fatalf("B's performance %+v %v", pb, err)
		}
		if _, err := w.svc.Performance(ctx, w.userOf(a), b.ID, from, to); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("A read B's performance: %v", err)
		}
	})
}

// TestLapsesOnceAcrossProcesses: two job runners on two handles of one
// database lapse 200 assignments due at once: each is lapsed and routed
// again exactly once.
func TestLapsesOnceAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		url := storetest.MustURL(t, engine)
		dbA := storetest.MustOpenURL(t, url)
		w := newWorld(t, dbA)
		const n = 200
		var wg sync.WaitGroup
		leads := make([]leadrouter.Lead, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				leads[i] = w.lead(t, fmt.Sprintf("p%d@many.example", i))
			}()
		}
		wg.Wait()
		dbB := storetest.MustOpenURL(t, url)
		router, err := live.New(ctx, dbB, []byte(testPolicy), "test")
		if err != nil {
			t.Fatal(err)
		}
		other := &assignment.Service{DB: dbB, Policy: router, Reroute: router.Reroute}
		// Both clocks stop 3s ahead: the re-routed assignments are due 2s
		// after that, and on a slow machine the run itself took longer
		// than 2s, so that a running clock let the runners lapse them too.
		at := dbA.Now().Add(3 * time.Second)
		dbA.Now = func() time.Time { return at }
		dbB.Now = func() time.Time { return at }
		counts := make([]int, 2)
		errs := make([]error, 2)
		for i, svc := range []*assignment.Service{w.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = svc.LapseDue(ctx)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		t.Logf("lapsed %d and %d", counts[0], counts[1])
		// Each lead went on to the other German partner, whose assignment
		// (opened at +3s, due 2s later) is not due yet.
		for _, l := range leads {
			types := timelineTypes(t, dbA, l.ID)
			if types[leadrouter.EventAssignmentLapsed] != 1 || types[leadrouter.EventOwnerChanged] != 1 {
				t.Fatalf("lead %s: %v, want one lapse and one re-route", l.ID, types)
			}
		}
		if counts[0]+counts[1] != n {
			t.Fatalf("lapsed %d in all, want %d", counts[0]+counts[1], n)
		}
	})
}

// TestDealAfterHandoff: a hand-off opens an assignment for the partner;
// after accepting, the partner reports the deal (amounts with too many
// decimals refused, other partners get 404) and closes it won.
func TestDealAfterHandoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newWorld(t, storetest.MustOpen(t, engine))
		l := w.f.MustLead(t, lifecycletest.ReservedFor(w.f.P1), lifecycletest.Consented, lifecycletest.Status(leadrouter.StatusQualified))
		conv, err := w.life.Convert(ctx, w.f.Actor("pam1"), l.ID, lifecycle.ConvertInput{OpportunityName: "Acme rollout"})
		if err != nil {
			t.Fatal(err)
		}
		opp := conv.Opportunity
		if _, _, err := w.life.Handoff(ctx, w.f.Actor("pam1"), opp.ID, lifecycle.HandoffInput{PartnerID: w.f.P1.ID}); err != nil {
			t.Fatal(err)
		}
		a := w.pending(t, l.ID)
		if a.OpportunityID != opp.ID || a.PartnerID != w.f.P1.ID || a.Rule != "handoff" {
			t.Fatalf("hand-off assignment %+v", a)
		}
		stage, amount, cur := "proposal", "12500.50", "EUR"
		if _, err := w.svc.UpdateDeal(ctx, w.f.Actor("p1a"), opp.ID, assignment.DealInput{Stage: &stage}); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("deal update before accepting: %v", err)
		}
		if _, err := w.svc.Accept(ctx, w.f.Actor("p1a"), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.UpdateDeal(ctx, w.f.Actor("p2a"), opp.ID, assignment.DealInput{Stage: &stage}); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Fatalf("another partner updated the deal: %v", err)
		}
		bad, badStage := "12500.505", "won-ish"
		_, err = w.svc.UpdateDeal(ctx, w.f.Actor("p1a"), opp.ID, assignment.DealInput{Stage: &badStage, Amount: &bad, Currency: &cur})
		if fields := leadrouter.ErrorFields(err); len(fields) != 2 || fields[0].Field != "stage" || fields[1].Field != "amount" {
			t.Fatalf("bad stage and amount: %v, want both fields at once", err)
		}
		o, err := w.svc.UpdateDeal(ctx, w.f.Actor("p1a"), opp.ID, assignment.DealInput{Stage: &stage, Amount: &amount, Currency: &cur})
		if err != nil || o.Deal.Value == nil || o.Deal.Value.String() != "12500.50 EUR" || o.Deal.Stage != "proposal" {
			t.Fatalf("deal %+v %v", o.Deal, err)
		}
		if _, err := w.svc.CloseDeal(ctx, w.f.Actor("p1a"), opp.ID, leadrouter.OppLost, ""); leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Fatalf("lost without a reason: %v", err)
		}
		if o, err = w.svc.CloseDeal(ctx, w.f.Actor("p1a"), opp.ID, leadrouter.OppWon, "signed"); err != nil || o.Status != leadrouter.OppWon {
			t.Fatalf("close %+v %v", o, err)
		}
		if _, err := w.svc.UpdateDeal(ctx, w.f.Actor("p1a"), opp.ID, assignment.DealInput{Stage: &stage}); leadrouter.ErrorCode(err) != leadrouter.ECONFLICT {
			t.Fatalf("update after closing: %v", err)
		}
		from, to, _ := assignment.Period("", "", w.db.Now())
		p, err := w.svc.Performance(ctx, w.f.Actor("p1a"), w.f.P1.ID, from, to)
		if err != nil || p.Totals.Won != 1 || len(p.Totals.WonAmount) != 1 || p.Totals.WonAmount[0].String() != "12500.50 EUR" || p.Totals.Accepted != 1 {
			t.Fatalf("performance %+v %v", p.Totals, err)
		}
		types := timelineTypes(t, w.db, l.ID)
		if types[leadrouter.EventDealUpdated] != 1 || types[leadrouter.EventDealClosed] != 1 || types[leadrouter.EventAssignmentAccepted] != 1 {
			t.Fatalf("timeline %v", types)
		}
	})
}
