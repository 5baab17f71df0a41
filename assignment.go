package leadrouter

import (
	"time"
)

// AssignmentStatus is where a partner's answer to an assignment stands.
type AssignmentStatus string

// The statuses of an assignment: pending until the partner accepts or
// declines, or the due time passes (lapsed); withdrawn when the lead or
// opportunity moved on before an answer (reassigned, re-routed).
const (
	AssignmentPending   AssignmentStatus = "pending"
	AssignmentAccepted  AssignmentStatus = "accepted"
	AssignmentDeclined  AssignmentStatus = "declined"
	AssignmentLapsed    AssignmentStatus = "lapsed"
	AssignmentWithdrawn AssignmentStatus = "withdrawn"
)

// AssignmentStatusNames lists the statuses in their order.
func AssignmentStatusNames() []string {
	return []string{string(AssignmentPending), string(AssignmentAccepted), string(AssignmentDeclined), string(AssignmentLapsed), string(AssignmentWithdrawn)}
}

// Valid reports whether s is a known status.
func (s AssignmentStatus) Valid() bool {
	switch s {
	case AssignmentPending, AssignmentAccepted, AssignmentDeclined, AssignmentLapsed, AssignmentWithdrawn:
		return true
	}
	return false
}

// Assignment is a lead routed to a partner, or an opportunity handed off to
// one, waiting for (or holding) the partner's answer (SPEC W12).
type Assignment struct {
	ID     string `json:"id"`
	LeadID string `json:"lead_id"`
	// OpportunityID is set for a hand-off; empty for a routed lead.
	OpportunityID string           `json:"opportunity_id,omitempty"`
	PartnerID     string           `json:"partner_id"`
	Status        AssignmentStatus `json:"status"`
	// Rule is the routing rule (or "handoff") that made it.
	Rule     string    `json:"rule"`
	OpenedAt time.Time `json:"opened_at"`
	DueAt    time.Time `json:"due_at"`
	RemindAt time.Time `json:"remind_at"`
	// RemindedAt is when the reminder went out, if it has.
	RemindedAt *time.Time `json:"reminded_at,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	// AnsweredBy is the partner user who answered ("system" for a lapse).
	AnsweredBy string `json:"answered_by,omitempty"`
	// Reason is a decline's reason code (the policy's decline_reasons).
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Kind is "lead" or "opportunity".
func (a Assignment) Kind() string {
	if a.OpportunityID != "" {
		return "opportunity"
	}
	return "lead"
}

// DefaultDeclineReasons are the reasons a partner may give for declining
// when the policy names none.
func DefaultDeclineReasons() []string {
	return []string{"no_capacity", "not_our_territory", "not_our_product", "existing_customer_of_another_partner", "other"}
}

// DefaultDealStages are a deal's stages when the policy names none.
func DefaultDealStages() []string {
	return []string{"qualification", "discovery", "proposal", "negotiation", "commit"}
}

// Deal is what became of an opportunity after its hand-off: the stage the
// partner reports, the amount, the expected close date and the outcome.
type Deal struct {
	Stage string `json:"stage,omitempty"`
	// Value is the deal's amount in an ISO 4217 currency (never a float).
	Value *Money `json:"value,omitempty"`
	// CloseDate is the expected (or, once closed, actual) close date,
	// YYYY-MM-DD.
	CloseDate string `json:"close_date,omitempty"`
	// Result is won or lost once closed.
	Result      OpportunityStatus `json:"result,omitempty"`
	CloseReason string            `json:"close_reason,omitempty"`
	ClosedAt    *time.Time        `json:"closed_at,omitempty"`
	// UpdatedAt is the partner's latest update (stale deals are nudged).
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Timeline event types of assignments and deals.
const (
	EventAssignmentOpened   = "assignment_opened"
	EventAssignmentReminder = "assignment_reminder"
	EventAssignmentAccepted = "assignment_accepted"
	EventAssignmentDeclined = "assignment_declined"
	EventAssignmentLapsed   = "assignment_lapsed"
	EventDealUpdated        = "deal_updated"
	EventDealClosed         = "deal_closed"
	EventDealStale          = "deal_stale"
)
