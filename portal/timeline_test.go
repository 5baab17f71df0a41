package portal

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lookup"
)

// TestTimelineSentences: every kind of event a lead's timeline holds is
// told as a sentence, with names instead of ids, no empty values and no
// JSON, for staff and for a partner (who sees other partners unnamed);
// an event of an unknown kind, or an old one whose data lacks what the
// sentence names, still reads.
func TestTimelineSentences(t *testing.T) {
	berlin, munich := "ptr_0sgxxca92pjg00002723q5r", "ptr_0sgxxca924r000001m9ng7r"
	staff := leadrouter.Actor{UserID: "usr_0sgxxca8y19000000zq8t20", Role: leadrouter.RoleAdmin}
	partner := leadrouter.Actor{UserID: "usr_0sgxxca8y19000000zq8t21", Role: leadrouter.RolePartner, PartnerID: berlin}
	owner := map[string]any{"kind": "partner", "id": berlin, "partner_id": berlin, "name": "Berlin Systems GmbH"}
	cases := []struct {
		typ  string
		data map[string]any
		want string // for staff
	}{
		{leadrouter.EventTouch, map[string]any{"pid": "BERLIN01", "kind": "click"}, "Came through the link of partner BERLIN01"},
		{leadrouter.EventFormFill, map[string]any{"form": "demo-request"}, "Filled in the form demo-request"},
		{leadrouter.EventCreated, map[string]any{"source": "web_form", "campaign": "", "credited_pid": "BERLIN01", "utm": nil}, "Created (source: web_form), credited to partner BERLIN01"},
		{leadrouter.EventResponse, map[string]any{"source": "call"}, "Responded again (source: call)"},
		{leadrouter.EventMatched, map[string]any{"id": "acc_0sgxxca96td00000401nnj8", "kind": "account", "reason": "email_domain", "owner_partner_id": berlin}, "Matched to an existing account by its e-mail domain (owned by Berlin Systems GmbH)"},
		{leadrouter.EventRouted, map[string]any{"owner": owner, "rule": "pid", "reserved_partner_id": "", "trace": []any{
			map[string]any{"rule": "duplicate", "matched": false, "fired": false, "reason": "not a response"},
			map[string]any{"rule": "pid", "matched": true, "fired": true, "reason": "the lead came through Berlin's link"}}},
			"Routed to Berlin Systems GmbH by rule pid: the lead came through Berlin's link"},
		{leadrouter.EventScored, map[string]any{"from": 30.0, "to": 60.0}, "Score changed from 30 to 60"},
		{leadrouter.EventNurture, map[string]any{"track": "general", "score": 30.0}, "Enrolled in the nurture track general with a score of 30"},
		{leadrouter.EventStatus, map[string]any{"from": "nurturing", "to": "mql", "reason": "score reached the MQL threshold"}, "Status changed from nurturing to mql: score reached the MQL threshold"},
		{leadrouter.EventConsent, map[string]any{"share": true, "text": "Yes, share it.", "source": "call", "ip": ""}, "Consent to share given (call): “Yes, share it.”"},
		{leadrouter.EventConverted, map[string]any{"opportunity_id": "opp_0sgxxca96td00000401nnj8", "account_reused": true}, "Converted to an opportunity, on an existing account"},
		{leadrouter.EventHandoff, map[string]any{"new_owner": owner, "override": false, "reason": "the lead was routed to this partner"}, "Handed off to Berlin Systems GmbH: the lead was routed to this partner"},
		{leadrouter.EventOwnerChanged, map[string]any{"old_owner": map[string]any{"kind": "queue", "id": "inside-sales"}, "new_owner": owner}, "Owner changed from queue inside-sales to Berlin Systems GmbH"},
		{leadrouter.EventReassignReq, map[string]any{"request_id": "rar_0sgxxca96td00000401nnj8", "reason": "No capacity", "on_behalf": false}, "Reassignment requested: No capacity"},
		{leadrouter.EventReassignDone, map[string]any{"new_owner": owner, "rerouted": true}, "Reassignment resolved: routed again, now owned by Berlin Systems GmbH"},
		{leadrouter.EventSelfReferral, map[string]any{"pid": "BERLIN01", "reason": "self-referral"}, "Partner link BERLIN01 not credited: self-referral"},
		{leadrouter.EventRegistration, map[string]any{}, "A registration was decided"},
		{leadrouter.EventAssignmentOpened, map[string]any{"partner_id": berlin, "due_at": "2026-12-08T17:00:00+01:00"}, "Offered to Berlin Systems GmbH; answer due 2026-12-08 16:00 UTC"},
		{leadrouter.EventAssignmentAccepted, map[string]any{"partner_id": berlin}, "Berlin Systems GmbH accepted it"},
		{leadrouter.EventAssignmentDeclined, map[string]any{"partner_id": munich, "reason": "no capacity", "note": ""}, "Munich ERP AG declined it: no capacity"},
		{leadrouter.EventAssignmentLapsed, map[string]any{"partner_id": munich}, "Munich ERP AG did not answer in time"},
		{leadrouter.EventAssignmentReminder, map[string]any{"partner_id": berlin, "due_at": "2026-12-08T16:00:00Z"}, "Berlin Systems GmbH was reminded: answer due 2026-12-08 16:00 UTC"},
		{leadrouter.EventDealUpdated, map[string]any{"stage": "proposal", "value": map[string]any{"amount": "48000.00", "currency": "EUR"}, "partner_id": berlin}, "Deal updated: stage proposal, amount 48000.00 EUR"},
		{leadrouter.EventDealClosed, map[string]any{"result": "won", "value": map[string]any{"amount": "48000.00", "currency": "EUR"}}, "Deal closed as won (48000.00 EUR)"},
		{leadrouter.EventDealStale, map[string]any{"stale_after": "720h0m0s"}, "Deal not updated for 720h0m0s: its partner was nudged"},
		{leadrouter.EventConflictOpened, map[string]any{"winner_partner_id": berlin, "claims": []any{map[string]any{"partner_id": berlin, "kind": "pid"}, map[string]any{"partner_id": munich, "kind": "account_owner"}}}, "Channel conflict: 2 partners claim it; by the policy Berlin Systems GmbH prevails"},
		{leadrouter.EventConflictResolved, map[string]any{"winner_partner_id": munich, "reason": "the account owner prevails"}, "Channel conflict resolved in favour of Munich ERP AG: the account owner prevails"},
		{"something_new", map[string]any{"colour": "blue", "thing_id": "thg_0sgxxca96td00000401nnj8", "empty": ""}, "Something new: colour blue"},
		{leadrouter.EventRouted, nil, "Routed to  by rule "},
	}
	w := words{}
	names := testNames(map[string]string{berlin: "Berlin Systems GmbH", munich: "Munich ERP AG"})
	for _, c := range cases {
		raw, _ := json.Marshal(c.data)
		items := []httpapi.TimelineItem{{At: "2026-12-05T08:00:00Z", Type: c.typ, Actor: "system", Data: json.RawMessage(raw)}}
		got := timelineStory(w, staff, names, items)[0]
		if got.Sentence != c.want {
			t.Errorf("%s: %q, want %q", c.typ, got.Sentence, c.want)
		}
		for _, who := range []leadrouter.Actor{staff, partner} {
			e := timelineStory(w, who, names, items)[0]
			all := e.Sentence + strings.Join(e.Details, " ") + strings.Join(e.Trace, " ")
			if strings.Contains(all, "{") || strings.Contains(all, "ptr_") || strings.Contains(all, "_id") {
				t.Errorf("%s for %s: %q shows JSON or ids", c.typ, who.Role, all)
			}
			if who.IsPartner() && strings.Contains(all, "Munich") {
				t.Errorf("%s: a partner is told another partner's name: %q", c.typ, all)
			}
		}
	}
	// Numbered 1, 2, 3 whatever the events' own numbers.
	items := []httpapi.TimelineItem{{N: 2, Type: leadrouter.EventTouch}, {N: 5, Type: leadrouter.EventScored}}
	if story := timelineStory(w, partner, names, items); story[0].N != 1 || story[1].N != 2 {
		t.Errorf("numbering %d, %d", story[0].N, story[1].N)
	}
}

func testNames(partners map[string]string) *lookup.Names {
	return lookup.KnownNames(leadrouter.Actor{Role: leadrouter.RoleAdmin}, partners, nil)
}

// TestReservedLeadIsNotPartnerHeld: in the relations view a lead the
// vendor nurtures while it is reserved for a partner is held by the
// vendor's queue and reserved for the partner, not held by the partner.
func TestReservedLeadIsNotPartnerHeld(t *testing.T) {
	names := testNames(map[string]string{"ptr_0sgxxca92pjg00002723q5r": "Berlin Systems GmbH"})
	row := reservedHolder(names, leadrouter.RegistrationConflict{Kind: "lead", Owner: "queue:marketing-nurture", PartnerID: "ptr_0sgxxca92pjg00002723q5r"})
	if row.Holder != "queue marketing-nurture" || row.ReservedFor != "Berlin Systems GmbH" {
		t.Errorf("held by %q, reserved for %q", row.Holder, row.ReservedFor)
	}
	owned := reservedHolder(names, leadrouter.RegistrationConflict{Kind: "lead", Owner: "partner:ptr_0sgxxca92pjg00002723q5r", PartnerID: "ptr_0sgxxca92pjg00002723q5r"})
	if owned.Holder != "Berlin Systems GmbH" || owned.ReservedFor != "" {
		t.Errorf("a partner's own lead: held by %q, reserved for %q", owned.Holder, owned.ReservedFor)
	}
}
