// Package lifecycle holds the use cases that move a lead after capture
// (W5, W6, W8 of SPEC.md): qualify with consent, disqualify, record or
// withdraw consent, convert into opportunity + contact + account, hand the
// opportunity off to a partner, change the owner, and the reassignment
// requests of partners. Each use case runs in one transaction that also
// writes its timeline events; authorisation is the actor's role plus the
// store's visibility (a partner asking about another partner's lead gets
// ENOTFOUND).
package lifecycle

import (
	"context"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// RerouteFunc re-runs routing for an existing lead without the given
// partners and returns the new owner, the rule that fired and its trace.
// It runs inside the caller's transaction (rotations advance there).
type RerouteFunc func(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, excludePartnerIDs []string) (owner leadrouter.Owner, rule string, trace any, err error)

// Policy is the routing policy in force, as lifecycle needs it: the live
// router (routing/live) implements it with the policy it routes with.
type Policy interface {
	// MQLThreshold is the score at which a lead is marketing-qualified.
	MQLThreshold() int
}

// Service runs the lifecycle use cases.
type Service struct {
	DB *store.DB
	// Policy gives the MQL threshold a PID-reserved lead must reach before
	// it is qualified; nil uses the built-in policy's.
	Policy Policy
	// Reroute re-runs routing when a reassignment request is resolved
	// without a named owner; nil answers ECONFLICT "routing not available".
	Reroute RerouteFunc
	// Assignments keeps partners' assignments in step with owner changes
	// and hand-offs (nil: none are opened).
	Assignments Assignments
}

// Assignments is what the lifecycle needs of the assignment workflow.
type Assignments interface {
	LeadOwnerChanged(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, rule string) error
	HandedOff(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, opp leadrouter.Opportunity) error
	Converted(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, opp leadrouter.Opportunity) error
}

// Roles allowed to run each use case (the HTTP routes use the same lists).
var (
	// QualifyRoles may qualify, disqualify and convert leads.
	QualifyRoles = []leadrouter.Role{leadrouter.RoleAdmin, leadrouter.RoleSales, leadrouter.RolePAM}
	// ConsentRoles may record or withdraw consent.
	ConsentRoles = []leadrouter.Role{leadrouter.RoleAdmin, leadrouter.RoleSales, leadrouter.RolePAM, leadrouter.RoleSupport}
	// HandoffRoles may hand opportunities off.
	HandoffRoles = []leadrouter.Role{leadrouter.RoleAdmin, leadrouter.RolePAM}
	// OwnerRoles may change a lead's owner (each within its own scope).
	OwnerRoles = []leadrouter.Role{leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RolePartner, leadrouter.RoleSupport}
	// RequestReassignmentRoles may ask to give a lead up.
	RequestReassignmentRoles = []leadrouter.Role{leadrouter.RolePartner, leadrouter.RoleSupport}
	// ResolveReassignmentRoles work the reassignment queue.
	ResolveReassignmentRoles = []leadrouter.Role{leadrouter.RoleAdmin}
)

// Limits on free text.
const (
	maxReasonLen      = 2000
	maxConsentTextLen = 4000
	maxSourceLen      = 100
	maxNameLen        = 300
)

// clean trims s and checks its length, recording a field error.
func clean(v *leadrouter.Validation, field, s string, required bool, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		v.Add(field, "is required")
	case len(s) > max:
		v.Add(field, "is longer than %d characters", max)
	}
	return s
}

// update runs fn in one read-write transaction.
func (s *Service) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.DB.Update(ctx, fn)
}

// ownerData is how an owner appears in event data.
func ownerData(o leadrouter.Owner) map[string]any {
	m := map[string]any{"kind": o.Kind, "id": o.ID}
	if o.PartnerID != "" {
		m["partner_id"] = o.PartnerID
	}
	return m
}
