package store_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestLifecycleOpportunityScopesAndStats checks who lists which
// opportunities (a PAM its queue, a partner only what was handed off to
// it) and the partner dashboard's counts and access.
func TestLifecycleOpportunityScopesAndStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		f := lifecycletest.MustFixture(t, db)
		svc := &lifecycle.Service{DB: db}
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusQualified))
		c, err := svc.Convert(ctx, f.Actor("admin"), lead.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		list := func(who string, filter store.OpportunityFilter) []string {
			t.Helper()
			var out []string
			if err := db.View(ctx, func(tx *store.Tx) error {
				page, err := tx.Opportunities(ctx, f.Actor(who), filter)
				for _, o := range page.Items {
					out = append(out, o.ID)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		pending := store.OpportunityFilter{Status: leadrouter.OppHandoffPending}
		for who, want := range map[string]int{"admin": 1, "sales": 1, "pam1": 1, "pam2": 0, "p1a": 0, "p2a": 0} {
			if got := list(who, pending); len(got) != want {
				t.Errorf("%s's hand-off queue = %v, want %d", who, got, want)
			}
		}
		if _, _, err := svc.Handoff(ctx, f.Actor("pam1"), c.Opportunity.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID}); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string]int{"admin": 1, "pam1": 1, "pam2": 0, "p1a": 1, "p1b": 1, "p2a": 0} {
			if got := list(who, store.OpportunityFilter{}); len(got) != want {
				t.Errorf("%s's opportunities = %v, want %d", who, got, want)
			}
		}

		now := db.Now()
		if err := db.AddClicks(ctx, []store.DayCount{
			{PartnerID: f.P1.ID, Day: now.Format("2006-01-02"), Count: 3},
			{PartnerID: f.P1.ID, Day: now.AddDate(0, 0, -40).Format("2006-01-02"), Count: 2},
			{PartnerID: f.P1.ID, Day: now.AddDate(-2, 0, 0).Format("2006-01-02"), Count: 100},
			{PartnerID: f.P2.ID, Day: now.Format("2006-01-02"), Count: 5},
		}); err != nil {
			t.Fatal(err)
		}
		// Through the use case: it makes the role check, the store the
		// visibility.
		stats := func(who string, months int) (store.PartnerStats, error) {
			return lookup.New(db).PartnerStats(ctx, f.Actor(who), f.P1.ID, months)
		}
		for _, who := range []string{"admin", "pam1", "p1a", "p1b"} {
			st, err := stats(who, 12)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if st.Totals.Clicks != 5 || st.Totals.Leads != 1 || st.Totals.Opportunities != 1 || len(st.ClicksByMonth) != 12 ||
				len(st.LeadsByMonth) != 12 || len(st.ClicksByDay) != 2 || st.ClicksByMonth[11].Count != 3 || st.OpportunitiesByMonth[11].Count != 1 {
				t.Fatalf("%s's view of P1's stats: %+v", who, st)
			}
		}
		if st, err := stats("admin", 1); err != nil || st.Totals.Clicks != 3 || len(st.ClicksByMonth) != 1 {
			t.Fatalf("one month of stats: %+v, %v", st, err)
		}
		for who, code := range map[string]string{"p2a": leadrouter.ENOTFOUND, "pam2": leadrouter.ENOTFOUND, "sales": leadrouter.EFORBIDDEN,
			"support": leadrouter.EFORBIDDEN, "relations": leadrouter.EFORBIDDEN} {
			if _, err := stats(who, 12); leadrouter.ErrorCode(err) != code {
				t.Errorf("%s reads P1's stats: %v, want %s", who, err, code)
			}
		}
	})
}
