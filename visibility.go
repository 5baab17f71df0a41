package leadrouter

// LeadVisibleTo reports whether actor may see lead at all: staff see every
// lead; a partner only leads routed to, reserved for, or handed off to it.
// The store applies the same rule in SQL (store.leadVisibility).
func LeadVisibleTo(actor Actor, l Lead) bool {
	if actor.IsStaff() {
		return true
	}
	if !actor.IsPartner() || actor.PartnerID == "" {
		return false
	}
	return l.Owner.PartnerID == actor.PartnerID || l.ReservedPartnerID == actor.PartnerID || l.HandoffPartnerID == actor.PartnerID
}

// ContactVisibleTo reports whether actor may see the lead's contact details
// (name, e-mail, phone): staff always; a partner only when the lead
// consented to sharing AND it was routed or handed off to that partner
// (being reserved for it is not enough).
func ContactVisibleTo(actor Actor, l Lead) bool {
	if actor.IsStaff() {
		return true
	}
	if !actor.IsPartner() || actor.PartnerID == "" || !l.Consent.Share {
		return false
	}
	return l.Owner.PartnerID == actor.PartnerID || l.HandoffPartnerID == actor.PartnerID
}
