package leadrouter

import "time"

// ClaimKind is why a partner has a claim on a lead.
type ClaimKind string

// The kinds of claim (SPEC W14). The policy's precedence orders the first
// three; an open record is a partner already working the same account.
const (
	ClaimRegistration ClaimKind = "registration"
	ClaimPID          ClaimKind = "pid"
	ClaimAccountOwner ClaimKind = "account_owner"
	ClaimOpenRecord   ClaimKind = "open_record"
	// ClaimRouted is the partner routing gave the lead to by a rule that
	// is none of the above (a territory's rotation).
	ClaimRouted ClaimKind = "routed"
)

// Claim is one partner's claim on a lead and whether it prevailed.
type Claim struct {
	PartnerID string    `json:"partner_id"`
	Kind      ClaimKind `json:"kind"`
	// Ref is the record behind the claim (registration, account, lead or
	// opportunity id).
	Ref       string `json:"ref,omitempty"`
	Prevailed bool   `json:"prevailed"`
	// Why says why it did or did not prevail.
	Why string `json:"why"`
}

// ConflictStatus is open until Partner Relations resolves it.
type ConflictStatus string

// The statuses of a conflict.
const (
	ConflictOpen     ConflictStatus = "open"
	ConflictResolved ConflictStatus = "resolved"
)

// Conflict is a lead more than one partner has a claim on.
type Conflict struct {
	ID     string         `json:"id"`
	LeadID string         `json:"lead_id"`
	Status ConflictStatus `json:"status"`
	Claims []Claim        `json:"claims"`
	// WinnerID is the partner that prevailed (for now).
	WinnerID   string     `json:"winner_partner_id"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

// Timeline events of conflicts.
const (
	EventConflictOpened   = "conflict_opened"
	EventConflictResolved = "conflict_resolved"
)

// DefaultPrecedence is the order claims prevail in when the policy names
// none.
func DefaultPrecedence() []ClaimKind {
	return []ClaimKind{ClaimRegistration, ClaimPID, ClaimAccountOwner}
}
