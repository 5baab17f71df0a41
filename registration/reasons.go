package registration

import (
	"slices"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Reason kinds a registration's answer lists. Their messages never name
// another partner or show a contact's details.
const (
	ReasonAccountOwned         = "account_owned"
	ReasonOpportunity          = "opportunity"        // another partner's open opportunity
	ReasonVendorOpportunity    = "vendor_opportunity" // the vendor's own open opportunity
	ReasonRegistrationApproved = "registration_approved"
	ReasonOpenLead             = "open_lead"
	ReasonRegistrationPending  = "registration_pending"
	ReasonNearMatch            = "near_match"
	ReasonOwnRecords           = "own_records"
	// ReasonOwnRegistration and ReasonOwnRegistrationPending are the
	// partner's own approved or pending registration for the prospect, as
	// a check reports them (registering again is refused).
	ReasonOwnRegistration        = "own_registration"
	ReasonOwnRegistrationPending = "own_registration_pending"
	ReasonClear                  = "clear"
)

// reasonFindings say what the search found for each reason kind, in the
// order reasons are listed (red ones first). What the partner may do about
// it follows from the flag and status (see outcome).
var reasonFindings = []struct{ kind, finding string }{
	{ReasonAccountOwned, "This company, or a company in its group, is already another partner's account."},
	{ReasonOpportunity, "Another partner is working an open opportunity with this company."},
	{ReasonVendorOpportunity, "The vendor's own team is working an open opportunity with this company."},
	{ReasonRegistrationApproved, "Another partner holds an approved registration for this company."},
	{ReasonOpenLead, "Someone else (the vendor's team or another partner) is already working a lead at this company."},
	{ReasonRegistrationPending, "When you registered, another partner's registration for this company was waiting for review."},
	{ReasonNearMatch, "The company resembles one we already know."},
	{ReasonOwnRegistration, "You already hold an approved registration for this company."},
	{ReasonOwnRegistrationPending, "Your registration for this company is already pending; Partner Relations will review it."},
	{ReasonOwnRecords, "Only your own records match this company."},
	{ReasonClear, "No conflicting records were found."},
}

// outcome is what a partner may do, given a registration's flag and
// status, said after a reason's finding: red and rejected registrations
// say do not solicit, pending ones that Partner Relations will review them,
// decided ones the decision.
func outcome(kind string, flag leadrouter.RegistrationFlag, status leadrouter.RegistrationStatus) string {
	switch kind {
	case ReasonOwnRegistration, ReasonOwnRegistrationPending:
		return "" // they say it themselves
	}
	switch status {
	case leadrouter.RegistrationApproved:
		if flag == leadrouter.FlagYellow {
			return "Partner Relations approved your registration; you may solicit this company."
		}
		return "You may solicit this company."
	case leadrouter.RegistrationPending:
		if kind == ReasonNearMatch {
			return "Partner Relations will check whether it is the same company and review your registration; do not solicit it until then."
		}
		return "Partner Relations will review your registration; do not solicit this company until then."
	case leadrouter.RegistrationExpired:
		return "Your registration has expired; register the company again before soliciting it."
	}
	if flag == leadrouter.FlagRed {
		return "Do not solicit this company."
	}
	return "Partner Relations rejected your registration; do not solicit this company."
}

// Reasons are the partner-facing reasons for the kinds found, fit for a
// registration with flag and status, in listing order. Unknown kinds are
// left out.
func Reasons(kinds []string, flag leadrouter.RegistrationFlag, status leadrouter.RegistrationStatus) []leadrouter.RegistrationReason {
	out := []leadrouter.RegistrationReason{}
	for _, r := range reasonFindings {
		if !slices.Contains(kinds, r.kind) {
			continue
		}
		msg := r.finding
		if then := outcome(r.kind, flag, status); then != "" {
			msg += " " + then
		}
		out = append(out, leadrouter.RegistrationReason{Kind: r.kind, Message: msg})
	}
	return out
}

// PartnerReasons are reg's reasons as its partner should read them at now:
// said again for its effective status (an approved registration past its
// expiry is expired), so that no message contradicts the flag or the
// decision. Reasons of a kind this version does not know are kept as
// stored.
func PartnerReasons(reg leadrouter.Registration, now time.Time) []leadrouter.RegistrationReason {
	return restate(reg.Reasons, reg.Flag, reg.EffectiveStatus(now))
}

// restate says reasons again for flag and status, keeping those of unknown
// kinds as they are.
func restate(reasons []leadrouter.RegistrationReason, flag leadrouter.RegistrationFlag, status leadrouter.RegistrationStatus) []leadrouter.RegistrationReason {
	out := Reasons(reasonKindsOf(reasons), flag, status)
	for _, r := range reasons {
		if !knownReason(r.Kind) {
			out = append(out, r)
		}
	}
	return out
}

func reasonKindsOf(reasons []leadrouter.RegistrationReason) []string {
	kinds := make([]string, 0, len(reasons))
	for _, r := range reasons {
		kinds = append(kinds, r.Kind)
	}
	return kinds
}

func knownReason(kind string) bool {
	for _, r := range reasonFindings {
		if r.kind == kind {
			return true
		}
	}
	return false
}
