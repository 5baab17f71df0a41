package leadrouter

import "time"

// ReassignmentStatus is where a reassignment request stands.
type ReassignmentStatus string

// Reassignment request statuses.
const (
	ReassignmentOpen     ReassignmentStatus = "open"
	ReassignmentResolved ReassignmentStatus = "resolved"
)

// Valid reports whether s is a known reassignment request status.
func (s ReassignmentStatus) Valid() bool {
	return s == ReassignmentOpen || s == ReassignmentResolved
}

// ParseReassignmentStatus returns s as a reassignment request status, or
// EINVALID.
func ParseReassignmentStatus(s string) (ReassignmentStatus, error) {
	return parseValue[ReassignmentStatus]("reassignment request status", s)
}

// ReassignmentRequest is a partner's (or the support desk's, on its
// behalf) request to give a lead up, waiting in the admins' queue.
type ReassignmentRequest struct {
	ID          string             `json:"id"`
	LeadID      string             `json:"lead_id"`
	PartnerID   string             `json:"partner_id"`
	RequestedBy string             `json:"requested_by"`
	Reason      string             `json:"reason"`
	Status      ReassignmentStatus `json:"status"`
	ResolvedBy  string             `json:"resolved_by,omitempty"`
	ResolvedAt  *time.Time         `json:"resolved_at"`
	NewOwner    Owner              `json:"new_owner"`
	CreatedAt   time.Time          `json:"created_at"`
}

// ReassignmentQueueItem is a request as the admins' queue shows it: with
// the lead (its contact), the partner giving it up and the lead's current
// partner.
type ReassignmentQueueItem struct {
	Request            ReassignmentRequest
	Lead               Lead
	PartnerName        string
	CurrentPartnerName string
}
