package leadrouter_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

// TestWebhookEvent: which timeline events publish which webhook event; a
// registration decision noted on an account or a lead is not published
// again, and a status change publishes only when it reaches qualified.
func TestWebhookEvent(t *testing.T) {
	for _, c := range []struct {
		typ, subject, data string
		want               string
	}{
		{leadrouter.EventCreated, "lead_1", `{}`, "lead.created"},
		{leadrouter.EventRouted, "lead_1", `{}`, "lead.routed"},
		{leadrouter.EventConverted, "lead_1", `{}`, "lead.converted"},
		{leadrouter.EventHandoff, "opp_1", `{}`, "opportunity.handed_off"},
		{leadrouter.EventRegistration, "reg_1", `{}`, "registration.decided"},
		{leadrouter.EventRegistration, "acc_1", `{}`, ""},
		{leadrouter.EventStatus, "lead_1", `{"from":"mql","to":"qualified"}`, "lead.qualified"},
		{leadrouter.EventStatus, "lead_1", `{"from":"new","to":"mql"}`, ""},
		{leadrouter.EventTouch, "lead_1", `{}`, ""},
	} {
		name, ok := leadrouter.WebhookEvent(leadrouter.Event{Type: c.typ, Subject: c.subject, Data: json.RawMessage(c.data)})
		if ok != (c.want != "") || (ok && name != c.want) {
			t.Errorf("%s on %s %s: %q, %v; want %q", c.typ, c.subject, c.data, name, ok, c.want)
		}
		if ok && !slices.Contains(leadrouter.WebhookEventNames(), name) {
			t.Errorf("%s is not among the event names", name)
		}
	}
}

// TestWebhookPayloadWithholds: contact details, free text and e-mail
// addresses are taken out at any depth; ids and facts stay.
func TestWebhookPayloadWithholds(t *testing.T) {
	data := `{"lead_id":"lead_1","email":"ann@example.com","first_name":"Ann","owner":{"kind":"partner","id":"ptr_1","partner_name":"Acme"},
		"utm":{"campaign":"ann@example.com"},"list":["x","bob@example.org"],"reason":"because","score":12}`
	at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	payload := leadrouter.WebhookPayload("lead.routed", leadrouter.Event{Type: leadrouter.EventRouted, Subject: "lead_1", Actor: "system", At: at, Data: json.RawMessage(data)})
	var got struct {
		Event, Subject, At, Actor string
		Data                      map[string]any
	}
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	if got.Event != "lead.routed" || got.Subject != "lead_1" || got.At != "2026-12-02T12:00:00Z" || got.Actor != "system" {
		t.Errorf("payload = %s", payload)
	}
	for _, leak := range []string{"ann@", "bob@", "Ann", "Acme", "because"} {
		if strings.Contains(string(payload), leak) {
			t.Errorf("payload carries %q: %s", leak, payload)
		}
	}
	if got.Data["lead_id"] != "lead_1" || got.Data["score"] != float64(12) || got.Data["owner"].(map[string]any)["id"] != "ptr_1" {
		t.Errorf("payload lost facts: %s", payload)
	}
	if string(leadrouter.WebhookData(json.RawMessage(`{"lead_id":"lead_1"}`))) != `{"lead_id":"lead_1"}` {
		t.Error("clean data is not passed through unchanged")
	}
	if string(leadrouter.WebhookData(json.RawMessage(`not json`))) != `{}` {
		t.Error("bad data is not replaced by {}")
	}
}
