package httpapi

import (
	"encoding/json"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/lookup"
)

// LeadView is a lead as the API shows it to one actor. Partner-facing
// responses never serialise leadrouter.Lead directly: contact fields are
// pointers that stay nil unless leadrouter.ContactVisibleTo allows them.
type LeadView struct {
	ID                string                `json:"id"`
	Status            leadrouter.LeadStatus `json:"status"`
	FirstName         *string               `json:"first_name"`
	LastName          *string               `json:"last_name"`
	Email             *string               `json:"email"`
	Phone             *string               `json:"phone"`
	PhoneE164         *string               `json:"phone_e164"`
	Redacted          bool                  `json:"redacted"`
	Company           string                `json:"company"`
	Title             string                `json:"title"`
	Country           string                `json:"country"`
	Source            leadrouter.Source     `json:"source"`
	FormSlug          string                `json:"form_slug,omitempty"`
	Campaign          string                `json:"campaign"`
	UTM               map[string]string     `json:"utm,omitempty"`
	LandingURL        string                `json:"landing_url,omitempty"`
	Touches           []leadrouter.Touch    `json:"touches"`
	CreditedPID       string                `json:"credited_pid"`
	AttributionModel  string                `json:"attribution_model,omitempty"`
	ReservedPartnerID string                `json:"reserved_partner_id"`
	Owner             leadrouter.Owner      `json:"owner"`
	HandoffPartnerID  string                `json:"handoff_partner_id,omitempty"`
	AccountID         string                `json:"account_id,omitempty"`
	Consent           leadrouter.Consent    `json:"consent"`
	Score             int                   `json:"score"`
	NurtureTrack      string                `json:"nurture_track"`
	Responses         int                   `json:"responses"`
	RoutedRule        string                `json:"routed_rule,omitempty"`
	// OwnerName names the owner as the viewer may see it (see Names);
	// filled by the lead reads.
	OwnerName string `json:"owner_name,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// NewLeadView builds the view of l for actor, redacting contact details
// unless actor may see them.
func NewLeadView(actor leadrouter.Actor, l leadrouter.Lead) LeadView {
	v := LeadView{
		ID: l.ID, Status: l.Status, Company: l.Company, Title: l.Title, Country: l.Country, Source: l.Source, FormSlug: l.FormSlug,
		Campaign: l.Campaign, UTM: l.UTM, LandingURL: l.LandingURL, Touches: l.Touches, CreditedPID: l.CreditedPID,
		AttributionModel: l.AttributionModel, ReservedPartnerID: l.ReservedPartnerID, Owner: l.Owner, HandoffPartnerID: l.HandoffPartnerID,
		AccountID: l.AccountID, Consent: l.Consent, Score: l.Score, NurtureTrack: l.NurtureTrack, Responses: l.Responses,
		RoutedRule: l.RoutedRule, CreatedAt: l.CreatedAt.UTC().Format(timeFormat), UpdatedAt: l.UpdatedAt.UTC().Format(timeFormat),
	}
	if v.Touches == nil {
		v.Touches = []leadrouter.Touch{}
	}
	if leadrouter.ContactVisibleTo(actor, l) {
		v.FirstName, v.LastName, v.Email, v.Phone, v.PhoneE164 = &l.FirstName, &l.LastName, &l.Email, &l.Phone, &l.PhoneE164
	} else {
		v.Redacted = true
	}
	if actor.IsPartner() {
		// Partners see their own side of ownership (their partner or one
		// of its users), not vendor user ids or other partners.
		if v.Owner.PartnerID != actor.PartnerID {
			v.Owner = leadrouter.Owner{Kind: v.Owner.Kind}
		}
		if l.CreditedPartnerID != actor.PartnerID {
			v.CreditedPID, v.AttributionModel = "", ""
			v.Touches = []leadrouter.Touch{}
		} else {
			// Its own touches only: other partners' links the prospect
			// followed are not its business.
			own := make([]leadrouter.Touch, 0, len(v.Touches))
			for _, t := range v.Touches {
				if strings.EqualFold(t.PID, l.CreditedPID) {
					own = append(own, t)
				}
			}
			v.Touches = own
		}
		if v.ReservedPartnerID != actor.PartnerID {
			v.ReservedPartnerID = ""
		}
		if v.HandoffPartnerID != actor.PartnerID {
			v.HandoffPartnerID = ""
		}
		v.Consent.Text = ""
	}
	return v
}

// piiKeys are the event-data keys that hold contact details or other
// partners' identities; they are removed from timelines shown to a partner
// who may not see them.
var piiKeys = map[string]bool{
	"first_name": true, "last_name": true, "name": true, "email": true, "phone": true, "phone_e164": true,
	"contact": true, "contact_email": true, "ip": true, "candidates": true, "trace": true, "steps": true,
	"partner_name": true, "old_owner": true, "new_owner": true, "owner": true, "reserved_partner_id": true,
	"override_reason": true, "partner_id": true, "owner_partner_id": true, "decided_by": true,
}

// ownerKeys hold an owner ({kind, id, partner_id}) in event data.
var ownerKeys = lookup.OwnerKeys

// pidKeys name a crediting PID: shown to a partner only on leads credited
// to it.
var pidKeys = map[string]bool{"pid": true, "credited_pid": true, "attribution_model": true, "landing": true}

// NewTimelineView renders events for actor: partners who may not see the
// lead's contact details get event data with those fields removed, and
// never the trace naming other candidates, nor any registration event (a
// lead's registration events carry no partner id, so a partner's own cannot
// be told from another partner's registration of its prospect; partners
// follow their own registrations through the registration API).
func NewTimelineView(actor leadrouter.Actor, l leadrouter.Lead, events []leadrouter.Event) []TimelineItem {
	if !actor.IsPartner() {
		return timelineItems(events)
	}
	shown := make([]leadrouter.Event, 0, len(events))
	for _, e := range events {
		if !isRegistrationEvent(e.Type) && !otherPartnersAnswer(actor, e) {
			shown = append(shown, e)
		}
	}
	events = shown
	items := timelineItems(events)
	contactOK := leadrouter.ContactVisibleTo(actor, l)
	ownCredit := l.CreditedPartnerID == actor.PartnerID
	for i := range items {
		var data map[string]any
		if err := json.Unmarshal(events[i].Data, &data); err != nil {
			items[i].Data = map[string]any{}
			continue
		}
		// A touch through another partner's link keeps its time and kind
		// only.
		pid, _ := data["pid"].(string)
		otherPID := pid != "" && !strings.EqualFold(pid, l.CreditedPID)
		for k, v := range data {
			if ownerKeys[k] {
				// Its own side of an owner change (its partner or one of
				// its users) as it is; of anyone else only the kind.
				if o, ok := v.(map[string]any); ok {
					if o["partner_id"] != actor.PartnerID {
						data[k] = map[string]any{"kind": o["kind"]}
					}
					continue
				}
			}
			if piiKeys[k] && !(contactOK && (k == "first_name" || k == "last_name" || k == "email" || k == "phone")) {
				delete(data, k)
			}
			if pidKeys[k] && (!ownCredit || otherPID) {
				delete(data, k)
			}
		}
		items[i].Data = data
		if items[i].Actor != actor.UserID {
			items[i].Actor = "vendor"
		}
	}
	return items
}

// otherPartnersAnswer reports whether e is about another partner's
// assignment or deal (opened, reminded, answered, a deal's news), or a
// conflict (naming every claimant): a partner sees its own answers only,
// never who had the lead before it nor why they gave it up, nor who else
// claimed it.
func otherPartnersAnswer(actor leadrouter.Actor, e leadrouter.Event) bool {
	switch e.Type {
	case leadrouter.EventConflictOpened, leadrouter.EventConflictResolved:
		return true // they name every claimant
	case leadrouter.EventAssignmentOpened, leadrouter.EventAssignmentReminder, leadrouter.EventAssignmentAccepted,
		leadrouter.EventAssignmentDeclined, leadrouter.EventAssignmentLapsed, leadrouter.EventDealUpdated, leadrouter.EventDealClosed,
		leadrouter.EventDealStale:
	default:
		return false
	}
	var data struct {
		PartnerID string `json:"partner_id"`
	}
	return json.Unmarshal(e.Data, &data) != nil || data.PartnerID != actor.PartnerID
}

// isRegistrationEvent reports whether an event type is about a prospect
// registration (registration_decided and any later registration_* type).
func isRegistrationEvent(typ string) bool {
	return typ == leadrouter.EventRegistration || strings.HasPrefix(typ, "registration_")
}
