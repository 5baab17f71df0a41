package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
)

// TestPartnerSeesOnlyItsOwnTouches: a partner credited with a lead sees
// its own referral touches, not the other partners' links the prospect
// followed (PID and landing page), in the lead and on its timeline; staff
// see them all.
func TestPartnerSeesOnlyItsOwnTouches(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	l := leadrouter.Lead{ID: "lead_1", CreditedPartnerID: "ptr_own", CreditedPID: "OWNPID01", ReservedPartnerID: "ptr_own",
		Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "marketing-nurture"},
		Touches: []leadrouter.Touch{
			{PID: "RIVAL002", At: at, Landing: "/rival-offer", Kind: "link"},
			{PID: "ownpid01", At: at.Add(time.Hour), Landing: "/pricing", Kind: "link"},
		}}
	partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: "ptr_own"}
	staff := leadrouter.Actor{UserID: "usr_s", Role: leadrouter.RoleSupport}

	if v := httpapi.NewLeadView(partner, l); len(v.Touches) != 1 || v.Touches[0].PID != "ownpid01" {
		t.Errorf("partner's touches: %+v", v.Touches)
	}
	if v := httpapi.NewLeadView(staff, l); len(v.Touches) != 2 {
		t.Errorf("staff's touches: %+v", v.Touches)
	}
	other := leadrouter.Actor{UserID: "usr_r", Role: leadrouter.RolePartner, PartnerID: "ptr_rival"}
	if v := httpapi.NewLeadView(other, l); len(v.Touches) != 0 || v.CreditedPID != "" {
		t.Errorf("an uncredited partner's view: %+v", v)
	}

	events := []leadrouter.Event{
		{Type: leadrouter.EventTouch, Data: json.RawMessage(`{"pid":"RIVAL002","at":"2026-11-02T09:00:00Z","landing":"/rival-offer","kind":"link"}`), At: at},
		{Type: leadrouter.EventTouch, Data: json.RawMessage(`{"pid":"OWNPID01","at":"2026-11-02T10:00:00Z","landing":"/pricing","kind":"link"}`), At: at},
	}
	raw, _ := json.Marshal(httpapi.NewTimelineView(partner, l, events))
	if s := string(raw); strings.Contains(s, "RIVAL002") || strings.Contains(s, "rival-offer") || !strings.Contains(s, "OWNPID01") || !strings.Contains(s, "/pricing") {
		t.Errorf("partner's timeline: %s", s)
	}
	raw, _ = json.Marshal(httpapi.NewTimelineView(staff, l, events))
	if s := string(raw); !strings.Contains(s, "RIVAL002") {
		t.Errorf("staff's timeline: %s", s)
	}
}

// TestPartnerSeesItsOwnSideOfOwnerChanges: on a partner's timeline an owner
// change shows its own partner or users as they are and anyone else by
// kind only.
func TestPartnerSeesItsOwnSideOfOwnerChanges(t *testing.T) {
	l := leadrouter.Lead{ID: "lead_1", Owner: leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "usr_anna", PartnerID: "ptr_own"}}
	partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: "ptr_own"}
	events := []leadrouter.Event{
		{Type: "owner_changed", Data: json.RawMessage(`{"old_owner":{"kind":"user","id":"usr_ben","partner_id":"ptr_own"},"new_owner":{"kind":"user","id":"usr_anna","partner_id":"ptr_own"}}`)},
		{Type: "owner_changed", Data: json.RawMessage(`{"old_owner":{"kind":"partner","id":"ptr_rival","partner_id":"ptr_rival"},"new_owner":{"kind":"user","id":"usr_ben","partner_id":"ptr_own"}}`)},
		{Type: "owner_changed", Data: json.RawMessage(`{"old_owner":{"kind":"user","id":"usr_sales1"},"new_owner":{"kind":"partner","id":"ptr_own","partner_id":"ptr_own"}}`)},
	}
	raw, _ := json.Marshal(httpapi.NewTimelineView(partner, l, events))
	s := string(raw)
	for _, want := range []string{"usr_ben", "usr_anna", `"old_owner":{"kind":"partner"}`, `"old_owner":{"kind":"user"}`} {
		if !strings.Contains(s, want) {
			t.Errorf("partner's timeline lacks %s: %s", want, s)
		}
	}
	for _, hidden := range []string{"ptr_rival", "usr_sales1"} {
		if strings.Contains(s, hidden) {
			t.Errorf("partner's timeline shows %s: %s", hidden, s)
		}
	}
}

// TestPartnerSeesNoRegistrationEvents: a lead's registration events do not
// say whose registration they are about, so a partner's view of the lead's
// timeline leaves them out (another partner's registration of its prospect
// is none of its business); staff see them.
func TestPartnerSeesNoRegistrationEvents(t *testing.T) {
	l := leadrouter.Lead{ID: "lead_1", Owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "ptr_own", PartnerID: "ptr_own"}}
	partner := leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: "ptr_own"}
	staff := leadrouter.Actor{UserID: "usr_s", Role: leadrouter.RoleRelations}
	events := []leadrouter.Event{
		{Type: leadrouter.EventCreated, Data: json.RawMessage(`{"source":"api"}`)},
		{Type: leadrouter.EventRegistration, Data: json.RawMessage(`{"registration_id":"reg_rival","decision":"approved","flag":"yellow","status":"approved","partner_name":"Rival Ltd"}`)},
		{Type: "registration_extended", Data: json.RawMessage(`{"registration_id":"reg_rival2","flag":"green"}`)},
		{Type: leadrouter.EventStatus, Data: json.RawMessage(`{"from":"new","to":"mql"}`)},
	}
	items := httpapi.NewTimelineView(partner, l, events)
	raw, _ := json.Marshal(items)
	if s := string(raw); len(items) != 2 || strings.Contains(s, "reg_rival") || strings.Contains(s, "registration") || !strings.Contains(s, `"mql"`) {
		t.Errorf("partner's timeline: %s", s)
	}
	if items := httpapi.NewTimelineView(staff, l, events); len(items) != 4 {
		t.Errorf("staff's timeline has %d events, want 4", len(items))
	}
}
