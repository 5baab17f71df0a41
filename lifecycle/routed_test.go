package lifecycle_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/egress"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// notification is a webhook notification as it will be sent.
type notification struct {
	EventType string `json:"-"`
	Raw       string `json:"-"`
	Event     string `json:"event"`
	Subject   string `json:"subject"`
	Actor     string `json:"actor"`
	Data      struct {
		Rule              string           `json:"rule"`
		Owner             leadrouter.Owner `json:"owner"`
		PreviousOwner     leadrouter.Owner `json:"previous_owner"`
		ReservedPartnerID string           `json:"reserved_partner_id"`
		Reassignment      *bool            `json:"reassignment"`
		Rerouted          bool             `json:"rerouted"`
		RequestID         string           `json:"request_id"`
		ByRole            string           `json:"by_role"`
		Trace             any              `json:"trace"`
	} `json:"data"`
}

// mustSubscribe adds a webhook subscribed to every event.
func mustSubscribe(t *testing.T, db *store.DB) {
	t.Helper()
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := admin.CreateWebhook(ctx, tx, egress.Policy{}, "https://hooks.example/leadrouter", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// outbox returns the notifications published after the first skip,
// oldest first.
func outbox(t *testing.T, db *store.DB, skip int) []notification {
	t.Helper()
	var out []notification
	err := db.View(ctx, func(tx *store.Tx) error {
		pubs, err := tx.Publications(ctx)
		for _, p := range pubs {
			n := notification{EventType: p.Event, Raw: string(p.Payload)}
			if err := json.Unmarshal(p.Payload, &n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out[min(skip, len(out)):]
}

// wantOneRouted checks that exactly one notification, lead.routed about
// leadID, was written and that it carries no contact details or free text.
func wantOneRouted(t *testing.T, got []notification, leadID string, secrets ...string) notification {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%d notifications, want one lead.routed: %+v", len(got), got)
	}
	n := got[0]
	if n.EventType != "lead.routed" || n.Event != "lead.routed" || n.Subject != leadID {
		t.Fatalf("notification %s: %s", n.EventType, n.Raw)
	}
	for _, s := range append(secrets, lifecycletest.FirstName, lifecycletest.LastName, lifecycletest.EmailLocal, lifecycletest.Phone) {
		if strings.Contains(n.Raw, s) {
			t.Fatalf("the notification carries %q: %s", s, n.Raw)
		}
	}
	return n
}

func mustRoutedRule(t *testing.T, db *store.DB, leadID, want string) {
	t.Helper()
	var l leadrouter.Lead
	if err := db.View(ctx, func(tx *store.Tx) (err error) {
		l, err = tx.Lead(ctx, leadrouter.System, leadID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if l.RoutedRule != want {
		t.Fatalf("stored routed_rule = %q, want %q", l.RoutedRule, want)
	}
}

// TestLifecycleOwnerChangePublished: every change of owner, by an admin,
// a PAM or a partner user, is published as lead.routed with rule manual,
// and the lead's routed_rule says so; a refused change publishes nothing.
func TestLifecycleOwnerChangePublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		mustSubscribe(t, svc.DB)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1))
		const reason = "Moved after a call with the prospect"

		_, err := svc.ChangeOwner(ctx, f.Actor("p1a"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.P1.ID})
		wantCode(t, err, leadrouter.ECONFLICT)
		if got := outbox(t, svc.DB, 0); len(got) != 0 {
			t.Fatalf("a refused change published %+v", got)
		}

		seen := 0
		for _, st := range []struct {
			actor, owner string
			want         leadrouter.Owner
		}{
			{"p1a", f.Users["p1b"].ID, leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["p1b"].ID, PartnerID: f.P1.ID}},
			{"pam1", f.P3.ID, leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P3.ID, PartnerID: f.P3.ID}},
			{"admin", f.Users["sales"].ID, leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["sales"].ID}},
		} {
			before := lead.Owner
			if lead, err = svc.ChangeOwner(ctx, f.Actor(st.actor), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: st.owner, Reason: reason}); err != nil {
				t.Fatalf("%s sets owner %s: %v", st.actor, st.owner, err)
			}
			if lead.RoutedRule != lifecycle.RuleManual {
				t.Fatalf("routed_rule = %q, want %q", lead.RoutedRule, lifecycle.RuleManual)
			}
			mustRoutedRule(t, svc.DB, lead.ID, lifecycle.RuleManual)
			got := outbox(t, svc.DB, seen)
			seen += len(got)
			n := wantOneRouted(t, got, lead.ID, reason)
			if n.Actor != f.Users[st.actor].ID || n.Data.Rule != lifecycle.RuleManual || n.Data.Owner != st.want || n.Data.PreviousOwner != before ||
				n.Data.Reassignment == nil || *n.Data.Reassignment || n.Data.ByRole != string(f.Users[st.actor].Role) || n.Data.Trace != nil {
				t.Fatalf("%s's change published %s", st.actor, n.Raw)
			}
		}
	})
}

// TestLifecycleRerouteUpdatesRule: resolving a reassignment request with
// the real router re-runs the policy without the giving-up partner (here
// nobody else covers the country, so the default rule gives the lead to a
// sales user); the lead's routed_rule becomes that rule and lead.routed is
// published with the new owner, the rule, its trace and reassignment true.
// Naming the owner publishes the same with rule named_by_admin.
func TestLifecycleRerouteUpdatesRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		router, err := live.New(ctx, svc.DB, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		svc.Reroute = router.Reroute
		mustSubscribe(t, svc.DB)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1), func(l *leadrouter.Lead) { l.RoutedRule = "international" })
		const reason = "Outside our territory"

		req, err := svc.RequestReassignment(ctx, f.Actor("p1a"), lead.ID, lifecycle.ReassignmentInput{Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		if got := outbox(t, svc.DB, 0); len(got) != 0 {
			t.Fatalf("a request published %+v", got)
		}
		_, l, err := svc.ResolveReassignment(ctx, f.Actor("admin"), req.ID, lifecycle.ResolveInput{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Owner.Kind != leadrouter.OwnerUser || l.Owner.ID != f.Users["sales"].ID || l.RoutedRule != "default" {
			t.Fatalf("re-routed lead: owner %+v, rule %q; want the sales user by rule default", l.Owner, l.RoutedRule)
		}
		mustRoutedRule(t, svc.DB, lead.ID, "default")
		seen := 0
		got := outbox(t, svc.DB, seen)
		seen += len(got)
		n := wantOneRouted(t, got, lead.ID, reason)
		if n.Actor != f.Users["admin"].ID || n.Data.Rule != "default" || n.Data.Owner != l.Owner || n.Data.PreviousOwner != lead.Owner ||
			n.Data.Reassignment == nil || !*n.Data.Reassignment || !n.Data.Rerouted || n.Data.RequestID != req.ID || n.Data.Trace != nil {
			t.Fatalf("re-route published %s", n.Raw)
		}
		// The re-route's trace is stored as codes and reads in words.
		tl, err := lookup.New(svc.DB).Timeline(ctx, f.Actor("admin"), lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		rendered := false
		for _, e := range tl.Events {
			if e.Type == leadrouter.EventOwnerChanged && strings.Contains(string(e.Data), `"trace":[`) {
				rendered = strings.Contains(string(e.Data), `"reason":"the lead is not a response to an open lead"`) && !strings.Contains(string(e.Data), `"steps"`)
			}
		}
		if !rendered {
			t.Errorf("the re-route's trace does not read in words: %+v", tl.Events)
		}

		// Back to P1 by hand; P1 gives it up again through the support
		// desk, and the admin names a P3 user.
		if _, err := svc.ChangeOwner(ctx, f.Actor("admin"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.P1.ID}); err != nil {
			t.Fatal(err)
		}
		seen += len(outbox(t, svc.DB, seen))
		req2, err := svc.RequestReassignment(ctx, f.Actor("support"), lead.ID, lifecycle.ReassignmentInput{Reason: "P1 phoned", PartnerID: f.P1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, l, err = svc.ResolveReassignment(ctx, f.Actor("admin"), req2.ID, lifecycle.ResolveInput{OwnerID: f.Users["p3a"].ID}); err != nil {
			t.Fatal(err)
		}
		mustRoutedRule(t, svc.DB, lead.ID, lifecycle.RuleNamedByAdmin)
		n = wantOneRouted(t, outbox(t, svc.DB, seen), lead.ID, "P1 phoned")
		want := leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["p3a"].ID, PartnerID: f.P3.ID}
		if l.Owner != want || n.Data.Rule != lifecycle.RuleNamedByAdmin || n.Data.Owner != want || n.Data.PreviousOwner.ID != f.P1.ID ||
			n.Data.Reassignment == nil || !*n.Data.Reassignment || n.Data.Rerouted || n.Data.RequestID != req2.ID || n.Data.Trace != nil {
			t.Fatalf("named resolution: owner %+v, published %s", l.Owner, n.Raw)
		}
	})
}

// TestLifecycleHandoffPublished: a hand-off, which makes the partner the
// lead's owner, is published as lead.routed (rule handoff) beside
// opportunity.handed_off, so subscribers following owners see it.
func TestLifecycleHandoffPublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))
		mustQualify(t, svc, f, lead.ID, true)
		c, err := svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		mustSubscribe(t, svc.DB)
		if _, _, err := svc.Handoff(ctx, f.Actor("pam1"), c.Opportunity.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID}); err != nil {
			t.Fatal(err)
		}
		var routed []notification
		types := map[string]int{}
		for _, n := range outbox(t, svc.DB, 0) {
			types[n.EventType]++
			if n.EventType == "lead.routed" {
				routed = append(routed, n)
			}
		}
		if types["opportunity.handed_off"] != 1 {
			t.Fatalf("notifications %v, want one opportunity.handed_off", types)
		}
		n := wantOneRouted(t, routed, lead.ID)
		want := leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P1.ID, PartnerID: f.P1.ID}
		if n.Data.Rule != lifecycle.RuleHandoff || n.Data.Owner != want || n.Data.PreviousOwner != c.Lead.Owner || n.Data.ByRole != "pam" {
			t.Fatalf("hand-off published %s", n.Raw)
		}
		mustRoutedRule(t, svc.DB, lead.ID, lifecycle.RuleHandoff)
	})
}
