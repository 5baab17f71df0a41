package leadrouter

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Webhook is a subscriber to lifecycle events. A paused one (Active
// false) keeps queueing its events and receives them once resumed.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Secret    string    `json:"secret,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Subscribes reports whether h receives the webhook event name.
func (h Webhook) Subscribes(name string) bool {
	return slices.Contains(h.Events, name)
}

// WebhookEventNames lists the events a webhook may subscribe to.
func WebhookEventNames() []string {
	return []string{"lead.created", "lead.routed", "lead.qualified", "lead.converted", "opportunity.handed_off", "registration.decided",
		"assignment.opened", "assignment.accepted", "assignment.declined", "assignment.lapsed", "opportunity.updated", "opportunity.closed"}
}

// WebhookEvent returns the webhook event timeline event e publishes, if
// any: a status change publishes lead.qualified when it moves a lead to
// qualified, and a registration decision, which is also noted on the
// accounts and leads it matched, is published once, from the registration
// itself.
func WebhookEvent(e Event) (string, bool) {
	switch e.Type {
	case EventCreated:
		return "lead.created", true
	case EventRouted:
		return "lead.routed", true
	case EventConverted:
		return "lead.converted", true
	case EventHandoff:
		return "opportunity.handed_off", true
	case EventRegistration:
		return "registration.decided", strings.HasPrefix(e.Subject, "reg_")
	case EventStatus:
		return "lead.qualified", strings.Contains(string(e.Data), `"to":"qualified"`)
	case EventAssignmentOpened:
		return "assignment.opened", true
	case EventAssignmentAccepted:
		return "assignment.accepted", true
	case EventAssignmentDeclined:
		return "assignment.declined", true
	case EventAssignmentLapsed:
		return "assignment.lapsed", true
	case EventDealUpdated:
		return "opportunity.updated", true
	case EventDealClosed:
		return "opportunity.closed", true
	}
	return "", false
}

// WebhookPayload is the body subscribers receive for e published as the
// webhook event name: the event's facts with its data redacted by
// WebhookData.
func WebhookPayload(name string, e Event) []byte {
	payload, _ := json.Marshal(map[string]any{"event": name, "subject": e.Subject, "at": e.At.UTC().Format(time.RFC3339Nano), "actor": e.Actor,
		"data": WebhookData(e.Data)})
	return payload
}

// withheldKeys are event data kept from subscribers, at any depth:
// contact details (names, e-mail, phone, job title, IP address), the
// routing explanation (the rules tried, the candidates and why each was
// skipped, in words that name partners), partners' names, and text people
// wrote or that may carry anything (reasons, notes, messages, consent
// wording, landing URLs). They stay on the timeline; subscribers get the
// facts by ids and fetch more through the API, where each reader sees
// what its role may see.
func withheldKey(k string) bool {
	switch k {
	case "first_name", "last_name", "name", "email", "contact_email", "phone", "title", "ip",
		"trace", "steps", "candidates", "partner_name",
		"reason", "override_reason", "decision_reason", "note", "message", "text",
		"consent_text", "landing_url":
		return true
	}
	return false
}

// emailLike matches a string carrying an e-mail address: withheld
// wherever it appears (say, a campaign parameter), whatever its key.
var emailLike = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[^\s@]+`)

// WebhookData is an event's data as subscribers receive it: without the
// withheld keys and e-mail addresses.
func WebhookData(data json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return json.RawMessage("{}")
	}
	if !withhold(v) {
		return data
	}
	out, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("{}")
	}
	return out
}

// withhold deletes the withheld keys, and the values carrying an e-mail
// address, from the objects and arrays in v, and reports whether it
// deleted any.
func withhold(v any) bool {
	deleted := false
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); withheldKey(k) || (ok && emailLike.MatchString(s)) {
				delete(t, k)
				deleted = true
				continue
			}
			deleted = withhold(child) || deleted
		}
	case []any:
		for i, child := range t {
			if s, ok := child.(string); ok && emailLike.MatchString(s) {
				t[i] = ""
				deleted = true
				continue
			}
			deleted = withhold(child) || deleted
		}
	}
	return deleted
}

// EgressPolicy says where outbound requests (webhook deliveries) may go:
// CheckURL explains why a URL is refused ("" when allowed), Client makes
// requests that refuse forbidden addresses at connect time. The egress
// package implements it.
type EgressPolicy interface {
	CheckURL(raw string) string
	Client(timeout time.Duration) *http.Client
}
