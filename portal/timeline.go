package portal

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lookup"
)

// The lead page tells a lead's timeline as sentences: "Routed to Berlin
// Systems GmbH by rule pid: partner … is credited", names instead of ids,
// empty values left out, the routing trace folded away until asked for.
// The words are catalogue texts (German in locales/de/timeline.json).

// timelineEntry is one event as the lead page shows it.
type timelineEntry struct {
	// N numbers the events the reader sees, 1, 2, 3 … with no gaps for
	// events hidden from them.
	N        int
	At       string
	Who      string
	Sentence string
	// Details are further lines (a note, the claims of a conflict).
	Details []string
	// Trace is the routing decision rule by rule, folded on the page.
	Trace []string
}

// timelineStory turns a timeline, as the reader may see it, into
// sentences in the reader's language.
func timelineStory(w words, actor leadrouter.Actor, names *lookup.Names, items []httpapi.TimelineItem) []timelineEntry {
	out := make([]timelineEntry, 0, len(items))
	for i, it := range items {
		data := eventData(it.Data)
		t := teller{w: w, actor: actor, names: names, data: data}
		e := timelineEntry{N: i + 1, At: w.Date(it.At), Who: t.who(it), Sentence: t.sentence(it.Type)}
		e.Details, e.Trace = t.details, t.trace
		out = append(out, e)
	}
	return out
}

// eventData reads an event's data as a map (nil when it is none).
func eventData(v any) map[string]any {
	switch d := v.(type) {
	case map[string]any:
		return d
	case json.RawMessage:
		var m map[string]any
		if json.Unmarshal(d, &m) == nil {
			return m
		}
	}
	return nil
}

// teller words one event.
type teller struct {
	w       words
	actor   leadrouter.Actor
	names   *lookup.Names
	data    map[string]any
	details []string
	trace   []string
}

// str is a data value as text ("" for none).
func (t *teller) str(key string) string {
	switch v := t.data[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return fmt.Sprint(v)
	case bool:
		if v {
			return "true"
		}
		return ""
	}
	return ""
}

func (t *teller) flag(key string) bool { b, _ := t.data[key].(bool); return b }

// who names whoever did it: a user by name, the system, a form.
func (t *teller) who(it httpapi.TimelineItem) string {
	if it.ActorName != "" && it.ActorName != it.Actor {
		return it.ActorName
	}
	switch it.Actor {
	case "", "system":
		return t.w.T("the system")
	case "public":
		return t.w.T("a web form")
	case "import":
		return t.w.T("the CSV import")
	}
	if isInternalID(it.Actor) {
		if t.actor.IsPartner() {
			return t.w.T("the vendor")
		}
		return t.w.T("a user")
	}
	return it.Actor
}

// isInternalID reports whether s looks like one of the store's ids.
func isInternalID(s string) bool {
	prefix, rest, ok := strings.Cut(s, "_")
	return ok && len(prefix) <= 4 && len(rest) >= 20 && strings.ToLower(rest) == rest
}

// partner names a partner as the reader may know it: its name for staff
// and for the partner itself, "another partner" for other partners.
func (t *teller) partner(id string) string {
	if id == "" {
		return ""
	}
	if t.actor.IsPartner() && id != t.actor.PartnerID {
		return t.w.T("another partner")
	}
	if name := t.names.Partner(id); name != "" {
		return name
	}
	return t.w.T("a partner")
}

// owner names an owner value of the data ({kind, id, partner_id, name}).
func (t *teller) owner(key string) string {
	o, ok := t.data[key].(map[string]any)
	if !ok {
		return ""
	}
	kind, _ := o["kind"].(string)
	id, _ := o["id"].(string)
	partnerID, _ := o["partner_id"].(string)
	if t.actor.IsPartner() && partnerID != t.actor.PartnerID {
		switch leadrouter.OwnerKind(kind) {
		case leadrouter.OwnerPartner:
			return t.w.T("another partner")
		case "":
			return ""
		}
		return t.w.T("the vendor")
	}
	if name, _ := o["name"].(string); name != "" && !isInternalID(name) {
		return name
	}
	if t.names != nil {
		if name := t.names.Owner(leadrouter.Owner{Kind: leadrouter.OwnerKind(kind), ID: id, PartnerID: partnerID}); name != "" && !isInternalID(name) {
			return name
		}
	}
	switch leadrouter.OwnerKind(kind) {
	case leadrouter.OwnerQueue:
		return t.w.T("queue %s", id)
	case leadrouter.OwnerPartner:
		return t.partner(partnerID)
	case leadrouter.OwnerUser:
		return t.w.T("a user")
	}
	return ""
}

// withReason appends ": reason" when there is one.
func (t *teller) withReason(s, key string) string {
	if r := t.str(key); r != "" {
		return s + ": " + r
	}
	return s
}

// sentence words the event; it never fails, an unknown event is told by
// its kind.
func (t *teller) sentence(typ string) string {
	w := t.w
	if note := t.str("note"); note != "" {
		t.details = append(t.details, w.T("Note: %s", note))
	}
	switch typ {
	case leadrouter.EventTouch:
		if pid := t.str("pid"); pid != "" {
			return w.T("Came through the link of partner %s", pid)
		}
		return w.T("Visited the site")
	case leadrouter.EventFormFill:
		return w.T("Filled in the form %s", t.str("form"))
	case leadrouter.EventCreated:
		s := w.T("Created (source: %s)", w.T(t.str("source")))
		if c := t.str("campaign"); c != "" {
			s += ", " + w.T("campaign %s", c)
		}
		if pid := t.str("credited_pid"); pid != "" {
			s += ", " + w.T("credited to partner %s", pid)
		}
		return s
	case leadrouter.EventResponse:
		s := w.T("Responded again (source: %s)", w.T(t.str("source")))
		if f := t.str("form"); f != "" {
			s += ", " + w.T("form %s", f)
		}
		return s
	case leadrouter.EventMatched:
		how := map[string]string{"email_domain": w.T("by its e-mail domain"), "email": w.T("by its e-mail address"),
			"company": w.T("by its company name"), "name": w.T("by its company name")}[t.str("reason")]
		what := w.T("an existing account")
		if t.str("kind") == "lead" {
			what = w.T("an open lead")
		}
		s := w.T("Matched to %s", what)
		if how != "" {
			s += " " + how
		}
		if p := t.str("owner_partner_id"); p != "" {
			s += " (" + w.T("owned by %s", t.partner(p)) + ")"
		}
		return s
	case leadrouter.EventRouted:
		return t.routed()
	case leadrouter.EventScored:
		return w.T("Score changed from %s to %s", t.str("from"), t.str("to"))
	case leadrouter.EventNurture:
		return w.T("Enrolled in the nurture track %s with a score of %s", t.str("track"), t.str("score"))
	case leadrouter.EventStatus:
		return t.withReason(w.T("Status changed from %s to %s", w.T(t.str("from")), w.T(t.str("to"))), "reason")
	case leadrouter.EventConsent:
		if t.flag("share") {
			if text := t.str("text"); text != "" {
				return w.T("Consent to share given (%s): “%s”", w.T(t.str("source")), text)
			}
			return w.T("Consent to share given (%s)", w.T(t.str("source")))
		}
		if t.flag("withdrawn") {
			return w.T("Consent to share withdrawn")
		}
		return w.T("No consent to share")
	case leadrouter.EventConverted:
		s := w.T("Converted to an opportunity")
		if t.flag("account_reused") {
			s += ", " + w.T("on an existing account")
		}
		return s
	case leadrouter.EventHandoff:
		s := w.T("Handed off to %s", t.owner("new_owner"))
		if t.flag("override") {
			s += " " + w.T("(an override)")
		}
		return t.withReason(s, "reason")
	case leadrouter.EventOwnerChanged:
		s := w.T("Owner changed from %s to %s", t.owner("old_owner"), t.owner("new_owner"))
		t.traceOf()
		return t.withReason(s, "reason")
	case leadrouter.EventReassignReq:
		s := w.T("Reassignment requested")
		if t.flag("on_behalf") {
			s = w.T("Reassignment requested on the partner's behalf")
		}
		return t.withReason(s, "reason")
	case leadrouter.EventReassignDone:
		if t.flag("rerouted") {
			return w.T("Reassignment resolved: routed again, now owned by %s", t.owner("new_owner"))
		}
		return w.T("Reassignment resolved: now owned by %s", t.owner("new_owner"))
	case leadrouter.EventSelfReferral:
		return t.withReason(w.T("Partner link %s not credited", t.str("pid")), "reason")
	case leadrouter.EventRegistration:
		return t.withReason(w.T("A registration was decided"), "reason")
	case leadrouter.EventAssignmentOpened:
		s := w.T("Offered to %s", t.partner(t.str("partner_id")))
		if due := t.str("due_at"); due != "" {
			s += "; " + w.T("answer due %s", w.Date(due))
		}
		return s
	case leadrouter.EventAssignmentAccepted:
		return w.T("%s accepted it", t.partner(t.str("partner_id")))
	case leadrouter.EventAssignmentDeclined:
		return t.withReason(w.T("%s declined it", t.partner(t.str("partner_id"))), "reason")
	case leadrouter.EventAssignmentLapsed:
		return w.T("%s did not answer in time", t.partner(t.str("partner_id")))
	case leadrouter.EventAssignmentReminder:
		return w.T("%s was reminded: answer due %s", t.partner(t.str("partner_id")), w.Date(t.str("due_at")))
	case leadrouter.EventDealUpdated:
		var parts []string
		if s := t.str("stage"); s != "" {
			parts = append(parts, w.T("stage %s", s))
		}
		if v := money(t.data["value"]); v != "" {
			parts = append(parts, w.T("amount %s", v))
		}
		if d := t.str("close_date"); d != "" {
			parts = append(parts, w.T("expected close %s", d))
		}
		return w.T("Deal updated: %s", strings.Join(parts, ", "))
	case leadrouter.EventDealClosed:
		s := w.T("Deal closed as lost")
		if t.str("result") == "won" {
			s = w.T("Deal closed as won")
			if v := money(t.data["value"]); v != "" {
				s += " (" + v + ")"
			}
		}
		return t.withReason(s, "reason")
	case leadrouter.EventDealStale:
		return w.T("Deal not updated for %s: its partner was nudged", t.str("stale_after"))
	case leadrouter.EventConflictOpened, leadrouter.EventConflictResolved:
		claims, _ := t.data["claims"].([]any)
		for _, c := range claims {
			m, _ := c.(map[string]any)
			id, _ := m["partner_id"].(string)
			kind, _ := m["kind"].(string)
			t.details = append(t.details, w.T("%s claims it (%s)", t.partner(id), w.T(kind)))
		}
		if typ == leadrouter.EventConflictResolved {
			return t.withReason(w.T("Channel conflict resolved in favour of %s", t.partner(t.str("winner_partner_id"))), "reason")
		}
		return w.T("Channel conflict: %d partners claim it; by the policy %s prevails", len(claims), t.partner(t.str("winner_partner_id")))
	}
	return t.fallback(typ)
}

// routed words a routing decision, its trace folded.
func (t *teller) routed() string {
	w := t.w
	owner := t.owner("owner")
	s := w.T("Routed to %s by rule %s", owner, t.str("rule"))
	if reason := t.firedReason(); reason != "" {
		s += ": " + reason
	}
	if r := t.str("reserved_partner_id"); r != "" {
		s += " " + w.T("(reserved for %s)", t.partner(r))
	}
	t.traceOf()
	return s
}

// traceSteps reads data["trace"]: one line a rule tried.
func (t *teller) traceOf() {
	steps, _ := t.data["trace"].([]any)
	for _, st := range steps {
		m, _ := st.(map[string]any)
		rule, _ := m["rule"].(string)
		if rule == "" {
			continue
		}
		outcome := t.w.T("did not match")
		switch {
		case m["fired"] == true:
			outcome = t.w.T("fired")
		case m["matched"] == true:
			outcome = t.w.T("matched, did not assign")
		}
		line := rule + " — " + outcome
		if reason, _ := m["reason"].(string); reason != "" {
			line += ": " + reason
		}
		t.trace = append(t.trace, line)
	}
}

// firedReason is the reason of the rule that decided.
func (t *teller) firedReason() string {
	steps, _ := t.data["trace"].([]any)
	for _, st := range steps {
		if m, _ := st.(map[string]any); m["fired"] == true {
			r, _ := m["reason"].(string)
			return r
		}
	}
	return ""
}

// fallback tells an event without its own sentence by its kind and its
// plain values, ids and empty ones left out.
func (t *teller) fallback(typ string) string {
	s := strings.ReplaceAll(typ, "_", " ")
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	var parts []string
	for _, k := range sortedKeys(t.data) {
		if k == "note" {
			continue
		}
		v := t.str(k)
		if v == "" || isInternalID(v) || strings.HasSuffix(k, "_id") || k == "ip" {
			continue
		}
		parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+v)
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

// money reads a Money's JSON ({"amount":"1200.50","currency":"EUR"}).
func money(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	amount, _ := m["amount"].(string)
	currency, _ := m["currency"].(string)
	return strings.TrimSpace(amount + " " + currency)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
