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

// WebhookSource is one way a timeline event publishes a webhook event:
// events of Type, when DataPrefix (or DataContains) is in their data and
// their subject starts with SubjectPrefix, publish Name. The table below
// is the whole mapping; WebhookEvent applies it to an event, and the store
// counts a subscription's pending events with it.
type WebhookSource struct {
	Name, Type                              string
	DataPrefix, DataContains, SubjectPrefix string
}

// webhookSources are the timeline events that publish webhook events: a
// status change publishes lead.qualified when it moves a lead to
// qualified, and a registration decision, which is also noted on the
// accounts and leads it matched, is published once, from the registration
// itself. A published event (EventPublished) publishes the event it
// carries.
var webhookSources = func() []WebhookSource {
	s := []WebhookSource{
		{Name: "lead.created", Type: EventCreated},
		{Name: "lead.routed", Type: EventRouted},
		{Name: "lead.converted", Type: EventConverted},
		{Name: "opportunity.handed_off", Type: EventHandoff},
		{Name: "registration.decided", Type: EventRegistration, SubjectPrefix: "reg_"},
		{Name: "lead.qualified", Type: EventStatus, DataContains: `"to":"qualified"`},
		{Name: "assignment.opened", Type: EventAssignmentOpened},
		{Name: "assignment.accepted", Type: EventAssignmentAccepted},
		{Name: "assignment.declined", Type: EventAssignmentDeclined},
		{Name: "assignment.lapsed", Type: EventAssignmentLapsed},
		{Name: "opportunity.updated", Type: EventDealUpdated},
		{Name: "opportunity.closed", Type: EventDealClosed},
	}
	for _, name := range WebhookEventNames() {
		s = append(s, WebhookSource{Name: name, Type: EventPublished, DataPrefix: `{"event":"` + name + `",`})
	}
	return s
}()

// WebhookSources returns the ways timeline events publish webhook events.
func WebhookSources() []WebhookSource { return slices.Clone(webhookSources) }

// WebhookEventTypes lists the timeline event types that may publish a
// webhook event.
func WebhookEventTypes() []string {
	var out []string
	for _, s := range webhookSources {
		if !slices.Contains(out, s.Type) {
			out = append(out, s.Type)
		}
	}
	return out
}

// WebhookEvent returns the webhook event timeline event e publishes, if
// any (see webhookSources).
func WebhookEvent(e Event) (string, bool) {
	for _, s := range webhookSources {
		if s.Type == e.Type && strings.HasPrefix(e.Subject, s.SubjectPrefix) &&
			strings.HasPrefix(string(e.Data), s.DataPrefix) && strings.Contains(string(e.Data), s.DataContains) {
			return s.Name, true
		}
	}
	return "", false
}

// publication is the data of an EventPublished event: the webhook event
// and its data (event comes first: WebhookSource.DataPrefix relies on it).
type publication struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// PublishedData is the data of an EventPublished event announcing name
// with data.
func PublishedData(name string, data any) (json.RawMessage, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(publication{Event: name, Data: raw})
}

// Publication is what subscribers of the webhook event e publishes
// receive, and ok false when it publishes none. lead is the lead e is
// about when e is a lead's creation (nil otherwise, or when it is not
// found): a lead_created event keeps nothing the lead row holds, so the
// lead's fields are read from the row, as the timeline does. A routing
// decision is published with its rule and owners, not its steps.
func Publication(e Event, lead *Lead) (name string, payload []byte, ok bool) {
	if name, ok = WebhookEvent(e); !ok {
		return "", nil, false
	}
	switch e.Type {
	case EventPublished:
		var p publication
		if json.Unmarshal(e.Data, &p) != nil {
			return "", nil, false
		}
		e.Data = p.Data
	case EventCreated:
		if lead != nil {
			e.Data = CreatedEventData(*lead, e.Data)
		}
	case EventRouted:
		var d map[string]json.RawMessage
		if json.Unmarshal(e.Data, &d) == nil {
			delete(d, "policy_version")
			if raw, err := json.Marshal(d); err == nil {
				e.Data = raw
			}
		}
	}
	return name, WebhookPayload(name, e), true
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
