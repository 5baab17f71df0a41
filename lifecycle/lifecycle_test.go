package lifecycle_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/lifecycle/lifecycletest"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

var ctx = context.Background()

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func setup(t *testing.T, engine store.Engine) (*lifecycle.Service, *lifecycletest.Fixture) {
	t.Helper()
	db := storetest.MustOpen(t, engine)
	return &lifecycle.Service{DB: db}, lifecycletest.MustFixture(t, db)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := leadrouter.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func mustQualify(t *testing.T, svc *lifecycle.Service, f *lifecycletest.Fixture, leadID string, share bool) {
	t.Helper()
	in := lifecycle.QualifyInput{ConsentShare: &share}
	if share {
		in.ConsentText = "You may share my details with a partner."
	}
	if _, err := svc.Qualify(ctx, f.Actor("sales"), leadID, in); err != nil {
		t.Fatalf("qualify: %v", err)
	}
}

func timelineTypes(t *testing.T, db *store.DB, leadID string) []string {
	t.Helper()
	var types []string
	err := db.View(ctx, func(tx *store.Tx) error {
		events, err := tx.Timeline(ctx, leadID)
		for _, e := range events {
			types = append(types, e.Type)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return types
}

func lastEvent(t *testing.T, db *store.DB, leadID, typ string) map[string]any {
	t.Helper()
	var data map[string]any
	err := db.View(ctx, func(tx *store.Tx) error {
		events, err := tx.Timeline(ctx, leadID)
		for _, e := range events {
			if e.Type == typ {
				data = map[string]any{}
				if err := json.Unmarshal(e.Data, &data); err != nil {
					return err
				}
				data["_actor"] = e.Actor
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if data == nil {
		t.Fatalf("no %s event on %s", typ, leadID)
	}
	return data
}

func TestLifecycleQualifyConvert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))

		// Validation and roles first.
		_, err := svc.Qualify(ctx, f.Actor("sales"), lead.ID, lifecycle.QualifyInput{})
		wantCode(t, err, leadrouter.EINVALID)
		_, err = svc.Qualify(ctx, f.Actor("sales"), lead.ID, lifecycle.QualifyInput{ConsentShare: yes()})
		wantCode(t, err, leadrouter.EINVALID) // consent wording required for yes
		_, err = svc.Qualify(ctx, f.Actor("support"), lead.ID, lifecycle.QualifyInput{ConsentShare: no()})
		wantCode(t, err, leadrouter.EFORBIDDEN)
		_, err = svc.Qualify(ctx, f.Actor("p1a"), lead.ID, lifecycle.QualifyInput{ConsentShare: no()})
		wantCode(t, err, leadrouter.EFORBIDDEN)
		_, err = svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
		wantCode(t, err, leadrouter.ECONFLICT) // not qualified yet

		mustQualify(t, svc, f, lead.ID, true)
		_, err = svc.Qualify(ctx, f.Actor("sales"), lead.ID, lifecycle.QualifyInput{ConsentShare: no()})
		wantCode(t, err, leadrouter.ECONFLICT)

		c, err := svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{OpportunityName: "Acme expansion"})
		if err != nil {
			t.Fatal(err)
		}
		o := c.Opportunity
		if o.Status != leadrouter.OppHandoffPending || o.ReservedPartnerID != f.P1.ID || o.PAMUserID != f.Users["pam1"].ID || o.PartnerID != "" {
			t.Fatalf("opportunity = %+v, want handoff_pending reserved for P1 in pam1's queue", o)
		}
		if c.Lead.Status != leadrouter.StatusConverted || c.Lead.AccountID != c.Account.ID || c.Lead.HandoffPartnerID != "" {
			t.Fatalf("lead after convert = %+v", c.Lead)
		}
		if c.AccountReused || c.ContactReused || c.Account.Name != "Acme Widgets" || !slices.Equal(c.Account.Domains, []string{"acme-widgets.example"}) {
			t.Fatalf("account = %+v (reused %v), contact reused %v", c.Account, c.AccountReused, c.ContactReused)
		}
		if c.Contact.Email != lead.Email || c.Contact.AccountID != c.Account.ID || c.Contact.LeadID != lead.ID {
			t.Fatalf("contact = %+v", c.Contact)
		}
		_, err = svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
		wantCode(t, err, leadrouter.ECONFLICT)

		got := timelineTypes(t, svc.DB, lead.ID)
		want := []string{leadrouter.EventConsent, leadrouter.EventStatus, leadrouter.EventStatus, leadrouter.EventConverted}
		if !slices.Equal(got, want) {
			t.Fatalf("timeline = %v, want %v", got, want)
		}

		// A second lead of the same company reuses account and, by e-mail
		// domain (subdomain included), finds it.
		lead2 := f.MustLead(t, lifecycletest.EmailDomain("emea.acme-widgets.example"))
		mustQualify(t, svc, f, lead2.ID, false)
		c2, err := svc.Convert(ctx, f.Actor("admin"), lead2.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !c2.AccountReused || c2.Account.ID != c.Account.ID || c2.Opportunity.Status != leadrouter.OppOpen || c2.Opportunity.Name != "Acme Widgets opportunity" {
			t.Fatalf("second conversion = %+v", c2)
		}

		// A lead whose e-mail matches an existing contact reuses it.
		lead3 := f.MustLead(t, func(l *leadrouter.Lead) { l.Email = c.Contact.Email; l.Company = "" })
		mustQualify(t, svc, f, lead3.ID, false)
		c3, err := svc.Convert(ctx, f.Actor("pam2"), lead3.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !c3.ContactReused || c3.Contact.ID != c.Contact.ID || c3.Account.ID != c.Account.ID {
			t.Fatalf("third conversion = %+v", c3)
		}

		// Free-mail leads get an account of their own without the domain.
		lead4 := f.MustLead(t, lifecycletest.EmailDomain("gmail.com"), func(l *leadrouter.Lead) { l.Company = "Solo Consulting" })
		mustQualify(t, svc, f, lead4.ID, false)
		c4, err := svc.Convert(ctx, f.Actor("admin"), lead4.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if c4.AccountReused || len(c4.Account.Domains) != 0 || c4.Account.Name != "Solo Consulting" {
			t.Fatalf("free-mail conversion account = %+v", c4.Account)
		}

		// Disqualified leads cannot be qualified or converted.
		lead5 := f.MustLead(t)
		_, err = svc.Disqualify(ctx, f.Actor("sales"), lead5.ID, "  ")
		wantCode(t, err, leadrouter.EINVALID)
		if _, err := svc.Disqualify(ctx, f.Actor("sales"), lead5.ID, "student, no budget"); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Qualify(ctx, f.Actor("sales"), lead5.ID, lifecycle.QualifyInput{ConsentShare: no()})
		wantCode(t, err, leadrouter.ECONFLICT)
		_, err = svc.Convert(ctx, f.Actor("sales"), lead5.ID, lifecycle.ConvertInput{})
		wantCode(t, err, leadrouter.ECONFLICT)
		if d := lastEvent(t, svc.DB, lead5.ID, leadrouter.EventStatus); d["to"] != "disqualified" || d["reason"] != "student, no budget" {
			t.Fatalf("disqualify event = %v", d)
		}
	})
}

func TestLifecycleConvertPartnerOwned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P2), lifecycletest.Status(leadrouter.StatusMQL))
		mustQualify(t, svc, f, lead.ID, true)
		c, err := svc.Convert(ctx, f.Actor("admin"), lead.ID, lifecycle.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Opportunity.Status != leadrouter.OppHandedOff || c.Opportunity.PartnerID != f.P2.ID || c.Opportunity.HandedOffAt == nil || c.Lead.HandoffPartnerID != f.P2.ID {
			t.Fatalf("partner-owned conversion = %+v / lead %+v", c.Opportunity, c.Lead)
		}
		if d := lastEvent(t, svc.DB, lead.ID, leadrouter.EventHandoff); d["override"] != false {
			t.Fatalf("hand-off event = %v", d)
		}
		// It cannot be handed off again.
		_, _, err = svc.Handoff(ctx, f.Actor("admin"), c.Opportunity.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID, OverrideReason: "x"})
		wantCode(t, err, leadrouter.ECONFLICT)

		// Moving the lead to another partner moves its opportunity too, so
		// the old partner no longer sees it.
		if _, err := svc.ChangeOwner(ctx, f.Actor("admin"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.P3.ID}); err != nil {
			t.Fatal(err)
		}
		err = svc.DB.View(ctx, func(tx *store.Tx) error {
			if _, err := tx.Lead(ctx, f.Actor("p2a"), lead.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				t.Errorf("old partner reads the lead: %v", err)
			}
			if _, err := tx.Opportunity(ctx, f.Actor("p2a"), c.Opportunity.ID); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				t.Errorf("old partner reads the opportunity: %v", err)
			}
			o, err := tx.Opportunity(ctx, f.Actor("p3a"), c.Opportunity.ID)
			if err != nil || o.PartnerID != f.P3.ID {
				t.Errorf("new partner's opportunity = %+v, %v", o, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// To a vendor user: the opportunity reopens for the vendor.
		if _, err := svc.ChangeOwner(ctx, f.Actor("admin"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.Users["sales"].ID}); err != nil {
			t.Fatal(err)
		}
		err = svc.DB.View(ctx, func(tx *store.Tx) error {
			o, err := tx.Opportunity(ctx, leadrouter.System, c.Opportunity.ID)
			if err != nil || o.Status != leadrouter.OppOpen || o.PartnerID != "" {
				t.Errorf("opportunity after moving to the vendor = %+v, %v", o, err)
			}
			l, err := tx.Lead(ctx, leadrouter.System, lead.ID)
			if err != nil || l.HandoffPartnerID != "" {
				t.Errorf("lead after moving to the vendor = %+v, %v", l, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestLifecycleHandoffRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		convert := func() leadrouter.Opportunity {
			lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))
			mustQualify(t, svc, f, lead.ID, true)
			c, err := svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
			if err != nil {
				t.Fatal(err)
			}
			return c.Opportunity
		}
		o := convert()
		for _, tc := range []struct {
			actor string
			in    lifecycle.HandoffInput
			code  string
		}{
			{"sales", lifecycle.HandoffInput{PartnerID: f.P1.ID}, leadrouter.EFORBIDDEN},
			{"p1a", lifecycle.HandoffInput{PartnerID: f.P1.ID}, leadrouter.EFORBIDDEN},
			{"pam2", lifecycle.HandoffInput{PartnerID: f.P1.ID}, leadrouter.EFORBIDDEN},
			{"pam1", lifecycle.HandoffInput{PartnerID: f.P2.ID}, leadrouter.EFORBIDDEN},
			{"pam1", lifecycle.HandoffInput{PartnerID: f.P2.ID, OverrideReason: "P1 asked"}, leadrouter.EFORBIDDEN},
			{"admin", lifecycle.HandoffInput{PartnerID: f.P2.ID}, leadrouter.EINVALID},
			{"admin", lifecycle.HandoffInput{PartnerID: "ptr_nope"}, leadrouter.EINVALID},
			{"admin", lifecycle.HandoffInput{}, leadrouter.EINVALID},
		} {
			_, _, err := svc.Handoff(ctx, f.Actor(tc.actor), o.ID, tc.in)
			if got := leadrouter.ErrorCode(err); got != tc.code {
				t.Errorf("%s hands off to %s: code %q (%v), want %q", tc.actor, tc.in.PartnerID, got, err, tc.code)
			}
		}
		got, lead, err := svc.Handoff(ctx, f.Actor("pam1"), o.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != leadrouter.OppHandedOff || got.PartnerID != f.P1.ID || lead.HandoffPartnerID != f.P1.ID || got.HandedOffAt == nil {
			t.Fatalf("after hand-off: %+v, lead %+v", got, lead)
		}
		_, _, err = svc.Handoff(ctx, f.Actor("pam1"), o.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID})
		wantCode(t, err, leadrouter.ECONFLICT)

		// An admin override to another partner, with its reason on the
		// timeline.
		o2 := convert()
		got, lead, err = svc.Handoff(ctx, f.Actor("admin"), o2.ID, lifecycle.HandoffInput{PartnerID: f.P2.ID, OverrideReason: "P1 declined the deal"})
		if err != nil {
			t.Fatal(err)
		}
		if got.PartnerID != f.P2.ID || got.OverrideReason != "P1 declined the deal" || lead.HandoffPartnerID != f.P2.ID {
			t.Fatalf("override hand-off: %+v", got)
		}
		d := lastEvent(t, svc.DB, lead.ID, leadrouter.EventHandoff)
		if d["override"] != true || d["override_reason"] != "P1 declined the deal" || d["_actor"] != f.Users["admin"].ID {
			t.Fatalf("override event = %v", d)
		}
		// The queues: pam1 sees neither now; an admin sees both handed off.
		err = svc.DB.View(ctx, func(tx *store.Tx) error {
			page, err := tx.Opportunities(ctx, f.Actor("pam1"), store.OpportunityFilter{Status: leadrouter.OppHandoffPending})
			if err != nil || len(page.Items) != 0 {
				t.Errorf("pam1's queue = %+v, %v", page.Items, err)
			}
			page, err = tx.Opportunities(ctx, f.Actor("p2a"), store.OpportunityFilter{})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != o2.ID {
				t.Errorf("P2's opportunities = %+v, %v", page.Items, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestLifecycleConsentHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1))
		_, err := svc.RecordConsent(ctx, f.Actor("support"), lead.ID, lifecycle.ConsentInput{Share: yes(), Source: "call"})
		wantCode(t, err, leadrouter.EINVALID)
		_, err = svc.RecordConsent(ctx, f.Actor("p1a"), lead.ID, lifecycle.ConsentInput{Share: yes(), Text: "ok", Source: "call"})
		wantCode(t, err, leadrouter.EFORBIDDEN)
		l, err := svc.RecordConsent(ctx, f.Actor("support"), lead.ID, lifecycle.ConsentInput{Share: yes(), Text: "Share my details with a partner.", Source: "call", IP: "192.0.2.1"})
		if err != nil || !l.Consent.Share || !leadrouter.ContactVisibleTo(f.Actor("p1a"), l) {
			t.Fatalf("after grant: %+v, %v", l.Consent, err)
		}
		l, err = svc.RecordConsent(ctx, f.Actor("sales"), lead.ID, lifecycle.ConsentInput{Share: no(), Source: "email"})
		if err != nil || l.Consent.Share || leadrouter.ContactVisibleTo(f.Actor("p1a"), l) {
			t.Fatalf("after withdrawal: %+v, %v", l.Consent, err)
		}
		var history []leadrouter.ConsentRecord
		if err := svc.DB.View(ctx, func(tx *store.Tx) (err error) {
			history, err = tx.Consents(ctx, lead.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(history) != 2 || !history[0].Share || history[0].IP != "192.0.2.1" || history[0].Actor != f.Users["support"].ID ||
			history[1].Share || history[1].Source != "email" || history[1].Text == "" {
			t.Fatalf("history = %+v", history)
		}
		if d := lastEvent(t, svc.DB, lead.ID, leadrouter.EventConsent); d["withdrawn"] != true {
			t.Fatalf("withdrawal event = %v", d)
		}
	})
}

// TestLifecycleSupportChangesOwner: when a partner asks, the support desk
// moves a lead among the users of the partner that owns it (the seed's
// "Change Owner"), never to another partner or the vendor, and not a
// vendor's lead at all.
func TestLifecycleSupportChangesOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1))
		got, err := svc.ChangeOwner(ctx, f.Actor("support"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.Users["p1b"].ID, Reason: "Anna asked: Ben takes it"})
		if err != nil || got.Owner.ID != f.Users["p1b"].ID || got.Owner.PartnerID != f.P1.ID {
			t.Fatalf("support moves the lead to p1b: %+v %v", got.Owner, err)
		}
		if _, err := svc.ChangeOwner(ctx, f.Actor("support"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.P2.ID}); leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Errorf("support moves it to another partner: %v", err)
		}
		vendors := f.MustLead(t)
		if _, err := svc.ChangeOwner(ctx, f.Actor("support"), vendors.ID, lifecycle.ChangeOwnerInput{OwnerID: f.Users["sales"].ID}); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
			t.Errorf("support moves a vendor's lead: %v", err)
		}
	})
}

func TestLifecycleChangeOwnerScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1))
		for _, tc := range []struct {
			actor, owner, code string
		}{
			{"sales", f.Users["sales"].ID, leadrouter.EFORBIDDEN},
			{"support", f.Users["sales"].ID, leadrouter.EINVALID}, // only among the owning partner's users
			{"support", f.Users["p2a"].ID, leadrouter.EINVALID},
			{"p2a", f.Users["p2a"].ID, leadrouter.ENOTFOUND},
			{"p1a", f.Users["p2a"].ID, leadrouter.EINVALID},
			{"p1a", f.P2.ID, leadrouter.EINVALID},
			{"p1a", f.Users["sales"].ID, leadrouter.EINVALID},
			{"p1a", f.P1.ID, leadrouter.ECONFLICT},
			{"pam2", f.P2.ID, leadrouter.EFORBIDDEN},
			{"pam1", f.P2.ID, leadrouter.EFORBIDDEN},
			{"pam1", f.Users["sales"].ID, leadrouter.EFORBIDDEN},
			{"admin", "usr_nope", leadrouter.EINVALID},
		} {
			_, err := svc.ChangeOwner(ctx, f.Actor(tc.actor), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: tc.owner})
			if got := leadrouter.ErrorCode(err); got != tc.code {
				t.Errorf("%s sets owner %s: code %q (%v), want %q", tc.actor, tc.owner, got, err, tc.code)
			}
		}
		steps := []struct {
			actor, owner string
			want         leadrouter.Owner
		}{
			{"p1a", f.Users["p1b"].ID, leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["p1b"].ID, PartnerID: f.P1.ID}},
			{"p1b", f.P1.ID, leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P1.ID, PartnerID: f.P1.ID}},
			{"pam1", f.Users["p3a"].ID, leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["p3a"].ID, PartnerID: f.P3.ID}},
			{"pam1", f.P1.ID, leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P1.ID, PartnerID: f.P1.ID}},
			{"admin", f.Users["sales"].ID, leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: f.Users["sales"].ID}},
		}
		for _, st := range steps {
			l, err := svc.ChangeOwner(ctx, f.Actor(st.actor), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: st.owner, Reason: "test"})
			if err != nil || l.Owner != st.want {
				t.Fatalf("%s sets owner %s: %+v, %v", st.actor, st.owner, l.Owner, err)
			}
			d := lastEvent(t, svc.DB, lead.ID, leadrouter.EventOwnerChanged)
			if d["_actor"] != f.Users[st.actor].ID || d["new_owner"].(map[string]any)["id"] != st.want.ID || d["old_owner"] == nil {
				t.Fatalf("owner event = %v", d)
			}
		}
		// Now owned by the vendor: P1's users no longer see it.
		_, err := svc.ChangeOwner(ctx, f.Actor("p1a"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.Users["p1b"].ID})
		wantCode(t, err, leadrouter.ENOTFOUND)
		if n := len(timelineTypes(t, svc.DB, lead.ID)); n != len(steps) {
			t.Fatalf("%d timeline events, want %d", n, len(steps))
		}
	})
}

func TestLifecycleReassignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		var excluded []string
		svc.Reroute = func(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, exclude []string) (leadrouter.Owner, string, any, error) {
			excluded = exclude
			return leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P2.ID, PartnerID: f.P2.ID}, "international",
				[]map[string]any{{"rule": "international", "matched": true}}, nil
		}
		lead := f.MustLead(t, lifecycletest.OwnedBy(f.P1))
		_, err := svc.RequestReassignment(ctx, f.Actor("p1a"), lead.ID, lifecycle.ReassignmentInput{})
		wantCode(t, err, leadrouter.EINVALID)
		_, err = svc.RequestReassignment(ctx, f.Actor("p2a"), lead.ID, lifecycle.ReassignmentInput{Reason: "x"})
		wantCode(t, err, leadrouter.ENOTFOUND)
		_, err = svc.RequestReassignment(ctx, f.Actor("admin"), lead.ID, lifecycle.ReassignmentInput{Reason: "x"})
		wantCode(t, err, leadrouter.EFORBIDDEN)
		_, err = svc.RequestReassignment(ctx, f.Actor("support"), lead.ID, lifecycle.ReassignmentInput{Reason: "x", PartnerID: f.P2.ID})
		wantCode(t, err, leadrouter.EINVALID)
		req, err := svc.RequestReassignment(ctx, f.Actor("p1a"), lead.ID, lifecycle.ReassignmentInput{Reason: "Outside our territory", PartnerID: f.P2.ID})
		if err != nil || req.PartnerID != f.P1.ID || req.Status != leadrouter.ReassignmentOpen {
			t.Fatalf("request = %+v, %v", req, err)
		}
		_, err = svc.RequestReassignment(ctx, f.Actor("support"), lead.ID, lifecycle.ReassignmentInput{Reason: "again", PartnerID: f.P1.ID})
		wantCode(t, err, leadrouter.ECONFLICT)

		_, _, err = svc.ResolveReassignment(ctx, f.Actor("pam1"), req.ID, lifecycle.ResolveInput{})
		wantCode(t, err, leadrouter.EFORBIDDEN)
		resolved, l, err := svc.ResolveReassignment(ctx, f.Actor("admin"), req.ID, lifecycle.ResolveInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(excluded, []string{f.P1.ID}) || l.Owner.PartnerID != f.P2.ID || resolved.Status != leadrouter.ReassignmentResolved || resolved.NewOwner.ID != f.P2.ID {
			t.Fatalf("resolved %+v, lead owner %+v, excluded %v", resolved, l.Owner, excluded)
		}
		_, _, err = svc.ResolveReassignment(ctx, f.Actor("admin"), req.ID, lifecycle.ResolveInput{})
		wantCode(t, err, leadrouter.ECONFLICT)
		want := []string{leadrouter.EventReassignReq, leadrouter.EventOwnerChanged, leadrouter.EventReassignDone}
		if got := timelineTypes(t, svc.DB, lead.ID); !slices.Equal(got, want) {
			t.Fatalf("timeline = %v, want %v", got, want)
		}

		// Filed by support on P2's behalf, resolved by naming an owner;
		// without routing a nameless resolution is refused.
		req2, err := svc.RequestReassignment(ctx, f.Actor("support"), lead.ID, lifecycle.ReassignmentInput{Reason: "P2 called", PartnerID: f.P2.ID})
		if err != nil || req2.RequestedBy != f.Users["support"].ID {
			t.Fatalf("support's request = %+v, %v", req2, err)
		}
		svc.Reroute = nil
		_, _, err = svc.ResolveReassignment(ctx, f.Actor("admin"), req2.ID, lifecycle.ResolveInput{})
		wantCode(t, err, leadrouter.ECONFLICT)
		_, _, err = svc.ResolveReassignment(ctx, f.Actor("admin"), req2.ID, lifecycle.ResolveInput{OwnerID: "nobody"})
		wantCode(t, err, leadrouter.EINVALID)
		_, l, err = svc.ResolveReassignment(ctx, f.Actor("admin"), req2.ID, lifecycle.ResolveInput{OwnerID: f.Users["sales"].ID})
		if err != nil || l.Owner.ID != f.Users["sales"].ID {
			t.Fatalf("named resolution: %+v, %v", l.Owner, err)
		}
		var queue store.Page[leadrouter.ReassignmentQueueItem]
		if err := svc.DB.View(ctx, func(tx *store.Tx) (err error) {
			queue, err = tx.ReassignmentRequests(ctx, "", "", 10, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(queue.Items) != 2 || queue.Items[1].PartnerName != f.P1.Name || queue.Items[0].Lead.Email != lead.Email {
			t.Fatalf("queue = %+v", queue.Items)
		}
	})
}

// TestLifecycleConcurrentConvert converts one lead from several
// goroutines at once: exactly one creates the opportunity, the others get
// a conflict, and nothing is half-written.
func TestLifecycleConcurrentConvert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusQualified))
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
				errs <- err
			}()
		}
		won := 0
		for range n {
			switch err := <-errs; leadrouter.ErrorCode(err) {
			case "":
				won++
			case leadrouter.ECONFLICT:
			default:
				t.Errorf("convert: %v", err)
			}
		}
		var opps, contacts, accounts int
		if err := svc.DB.View(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM opportunities`).Scan(&opps); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM contacts`).Scan(&contacts); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts)
		}); err != nil {
			t.Fatal(err)
		}
		if won != 1 || opps != 1 || contacts != 1 || accounts != 1 {
			t.Fatalf("%d conversions won; %d opportunities, %d contacts, %d accounts", won, opps, contacts, accounts)
		}
	})
}

// TestLifecycleReservedLeadNeedsMQL checks SPEC W5: a PID-reserved lead
// below the MQL threshold stays in nurture (qualify is a conflict naming
// score and threshold, so it can never be converted and handed off); at
// mql, or at the threshold of the policy in force, it qualifies; leads
// without a reservation, or owned by their reserved partner already,
// qualify from any open status as before.
func TestLifecycleReservedLeadNeedsMQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		score := func(n int) lifecycletest.LeadOption { return func(l *leadrouter.Lead) { l.Score = n } }
		below := f.MustLead(t, lifecycletest.ReservedFor(f.P1), score(20))
		_, err := svc.Qualify(ctx, f.Actor("sales"), below.ID, lifecycle.QualifyInput{ConsentShare: no()})
		wantCode(t, err, leadrouter.ECONFLICT)
		if msg := leadrouter.ErrorMessage(err); !strings.Contains(msg, "score 20 is below the MQL threshold of 50") {
			t.Fatalf("refusal message = %q", msg)
		}
		_, err = svc.Convert(ctx, f.Actor("admin"), below.ID, lifecycle.ConvertInput{})
		wantCode(t, err, leadrouter.ECONFLICT)
		err = svc.DB.View(ctx, func(tx *store.Tx) error {
			l, err := tx.Lead(ctx, leadrouter.System, below.ID)
			if err == nil && (l.Status != leadrouter.StatusNurturing || l.Consent.At != nil) {
				t.Errorf("refused lead changed: %+v", l)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := timelineTypes(t, svc.DB, below.ID); len(got) != 0 {
			t.Fatalf("refused qualification left events: %v", got)
		}

		// These qualify.
		for name, opts := range map[string][]lifecycletest.LeadOption{
			"reserved, mql":                 {lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL), score(55)},
			"reserved, at the threshold":    {lifecycletest.ReservedFor(f.P1), score(50)},
			"not reserved, below":           {score(5)},
			"partner-owned, below":          {lifecycletest.OwnedBy(f.P2), score(5)},
			"reserved and owned by it, new": {lifecycletest.ReservedFor(f.P1), lifecycletest.OwnedBy(f.P1), lifecycletest.Status(leadrouter.StatusNew)},
		} {
			l := f.MustLead(t, opts...)
			if _, err := svc.Qualify(ctx, f.Actor("sales"), l.ID, lifecycle.QualifyInput{ConsentShare: no()}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}

		// The threshold is the live router's policy in force: a new
		// version lowered to 20, the lead scored 20 qualifies, converts and
		// waits for its hand-off.
		router, err := live.New(ctx, svc.DB, nil, "test")
		if err != nil {
			t.Fatal(err)
		}
		svc.Policy = router
		lowered := strings.Replace(string(routing.DefaultPolicyYAML), "threshold: 50", "threshold: 20", 1)
		if _, err := router.Replace(ctx, lowered, "test"); err != nil {
			t.Fatal(err)
		}
		mustQualify(t, svc, f, below.ID, true)
		c, err := svc.Convert(ctx, f.Actor("sales"), below.ID, lifecycle.ConvertInput{})
		if err != nil || c.Opportunity.Status != leadrouter.OppHandoffPending {
			t.Fatalf("conversion after the threshold was lowered: %+v, %v", c.Opportunity, err)
		}
		other := f.MustLead(t, lifecycletest.ReservedFor(f.P1), score(19))
		_, err = svc.Qualify(ctx, f.Actor("sales"), other.ID, lifecycle.QualifyInput{ConsentShare: no()})
		if !strings.Contains(leadrouter.ErrorMessage(err), "threshold of 20") {
			t.Fatalf("below the stored threshold: %v", err)
		}
	})
}

// TestLifecycleHandoffSetsOwner checks that handing an opportunity off
// makes the partner the converted lead's owner in the same transaction,
// with the old and new owner on the one handed_off event, so the owner
// filter and the partner's own list find it.
func TestLifecycleHandoffSetsOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		svc, f := setup(t, engine)
		convert := func() (leadrouter.Lead, leadrouter.Opportunity) {
			lead := f.MustLead(t, lifecycletest.ReservedFor(f.P1), lifecycletest.Status(leadrouter.StatusMQL))
			mustQualify(t, svc, f, lead.ID, true)
			c, err := svc.Convert(ctx, f.Actor("sales"), lead.ID, lifecycle.ConvertInput{})
			if err != nil {
				t.Fatal(err)
			}
			return c.Lead, c.Opportunity
		}
		lead, opp := convert()
		if lead.Owner.Kind != leadrouter.OwnerQueue {
			t.Fatalf("owner before hand-off = %+v", lead.Owner)
		}
		_, got, err := svc.Handoff(ctx, f.Actor("pam1"), opp.ID, lifecycle.HandoffInput{PartnerID: f.P1.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: f.P1.ID, PartnerID: f.P1.ID}
		if got.Owner != want || got.HandoffPartnerID != f.P1.ID {
			t.Fatalf("lead after hand-off = %+v", got)
		}
		d := lastEvent(t, svc.DB, lead.ID, leadrouter.EventHandoff)
		if d["owner_changed"] != true || d["old_owner"].(map[string]any)["id"] != "marketing-nurture" || d["new_owner"].(map[string]any)["partner_id"] != f.P1.ID {
			t.Fatalf("hand-off event = %v", d)
		}
		if types := timelineTypes(t, svc.DB, lead.ID); slices.Contains(types, leadrouter.EventOwnerChanged) {
			t.Fatalf("a separate owner_changed event: %v", types)
		}
		err = svc.DB.View(ctx, func(tx *store.Tx) error {
			stored, err := tx.Lead(ctx, leadrouter.System, lead.ID)
			if err != nil || stored.Owner != want {
				t.Errorf("stored owner = %+v, %v", stored.Owner, err)
			}
			for _, who := range []string{"admin", "p1a"} {
				page, err := tx.Leads(ctx, f.Actor(who), leadrouter.LeadFilter{Owner: f.P1.ID})
				if err != nil || len(page.Items) != 1 || page.Items[0].ID != lead.ID {
					t.Errorf("%s's leads owned by P1 = %+v, %v", who, page.Items, err)
				}
			}
			if page, err := tx.Leads(ctx, f.Actor("p2a"), leadrouter.LeadFilter{}); err != nil || len(page.Items) != 0 {
				t.Errorf("P2's leads = %+v, %v", page.Items, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !leadrouter.ContactVisibleTo(f.Actor("p1a"), got) || leadrouter.ContactVisibleTo(f.Actor("p2a"), got) {
			t.Fatal("contact visibility after hand-off")
		}

		// P1's users can work it as their own now.
		l, err := svc.ChangeOwner(ctx, f.Actor("p1a"), lead.ID, lifecycle.ChangeOwnerInput{OwnerID: f.Users["p1b"].ID})
		if err != nil || l.Owner.ID != f.Users["p1b"].ID {
			t.Fatalf("P1 assigns its user: %+v, %v", l.Owner, err)
		}

		// An admin's override: the other partner owns it.
		lead2, opp2 := convert()
		if _, got, err = svc.Handoff(ctx, f.Actor("admin"), opp2.ID, lifecycle.HandoffInput{PartnerID: f.P2.ID, OverrideReason: "P1 declined"}); err != nil {
			t.Fatal(err)
		}
		if got.Owner.PartnerID != f.P2.ID || got.ReservedPartnerID != f.P1.ID {
			t.Fatalf("overridden hand-off: %+v", got)
		}
		if leadrouter.ContactVisibleTo(f.Actor("p1a"), got) || !leadrouter.ContactVisibleTo(f.Actor("p2a"), got) {
			t.Fatalf("contact visibility after the override: %+v", got)
		}
		if d := lastEvent(t, svc.DB, lead2.ID, leadrouter.EventHandoff); d["new_owner"].(map[string]any)["id"] != f.P2.ID || d["override_reason"] != "P1 declined" {
			t.Fatalf("override event = %v", d)
		}
	})
}
