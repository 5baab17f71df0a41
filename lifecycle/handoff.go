package lifecycle

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// HandoffInput names the partner an opportunity goes to.
type HandoffInput struct {
	PartnerID string
	// OverrideReason is required when an admin hands the opportunity to
	// another partner than the reserved one; it goes on the timeline.
	OverrideReason string
}

// Handoff hands a handoff_pending opportunity to a partner: to its
// reserved (PID) partner by that partner's PAM or an admin; to any other
// partner only by an admin with a written override reason. The lead's
// handoff_partner_id is set and the partner becomes its owner, in the same
// transaction, so the partner sees it as its own from now on (with its
// contact details when the lead consented); the handed_off event carries
// the old and the new owner.
// Errors: EFORBIDDEN (role, a PAM not of the reserved partner, a PAM
// overriding), ENOTFOUND, EINVALID (partner, missing override reason),
// ECONFLICT (not waiting for hand-off).
func (s *Service) Handoff(ctx context.Context, actor leadrouter.Actor, opportunityID string, in HandoffInput) (leadrouter.Opportunity, leadrouter.Lead, error) {
	if err := actor.Require(HandoffRoles...); err != nil {
		return leadrouter.Opportunity{}, leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	in.PartnerID = clean(&v, "partner_id", in.PartnerID, true, maxNameLen)
	in.OverrideReason = clean(&v, "override_reason", in.OverrideReason, false, maxReasonLen)
	if err := v.Err(); err != nil {
		return leadrouter.Opportunity{}, leadrouter.Lead{}, err
	}
	var opp leadrouter.Opportunity
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		// Lock order: the lead, then its opportunity (as every workflow).
		first, err := tx.Opportunity(ctx, actor, opportunityID)
		if err != nil {
			return err
		}
		if lead, err = tx.LeadForUpdate(ctx, leadrouter.System, first.LeadID); err != nil {
			return err
		}
		if opp, err = tx.OpportunityForUpdate(ctx, actor, opportunityID); err != nil {
			return err
		}
		if opp.Status != leadrouter.OppHandoffPending {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The opportunity is %s; only opportunities waiting for hand-off can be handed off.", opp.Status)
		}
		partner, err := tx.Partner(ctx, leadrouter.System, in.PartnerID)
		if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
			return fieldError("partner_id", "must name an existing partner")
		} else if err != nil {
			return err
		}
		if partner.Status != leadrouter.PartnerActive {
			return fieldError("partner_id", "names a suspended partner")
		}
		override := partner.ID != opp.ReservedPartnerID
		switch {
		case override && actor.Role != leadrouter.RoleAdmin:
			return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only an admin may hand an opportunity to another partner than the one it is reserved for.")
		case override && in.OverrideReason == "":
			return fieldError("override_reason", "is required to hand the opportunity to another partner than the reserved one")
		case !override && actor.Role == leadrouter.RolePAM && partner.PAMUserID != actor.UserID && opp.PAMUserID != actor.UserID:
			return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only the reserved partner's PAM (or an admin) may hand this opportunity off.")
		}
		now := tx.Now()
		opp.Status, opp.PartnerID, opp.OverrideReason, opp.HandedOffAt = leadrouter.OppHandedOff, partner.ID, in.OverrideReason, &now
		if err := tx.UpdateOpportunityHandoff(ctx, &opp); err != nil {
			return err
		}
		// The partner owns the converted lead from now on (SPEC question 4:
		// who owns it now?); the handed_off event records the owner change.
		oldOwner, newOwner := lead.Owner, partnerOwner(partner.ID)
		lead.HandoffPartnerID, lead.Owner = partner.ID, newOwner
		if oldOwner != newOwner {
			lead.RoutedRule = RuleHandoff // what decided the current owner, as lead.routed says
		}
		if err := tx.UpdateLead(ctx, &lead); err != nil {
			return err
		}
		data := map[string]any{"opportunity_id": opp.ID, "old_owner": ownerData(oldOwner), "new_owner": ownerData(newOwner),
			"owner_changed": oldOwner != newOwner, "override": override}
		if in.OverrideReason != "" {
			data["override_reason"] = in.OverrideReason
		}
		if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventHandoff, actor, data); err != nil {
			return err
		}
		if s.Assignments != nil {
			if err := s.Assignments.HandedOff(ctx, tx, actor, lead, opp); err != nil {
				return err
			}
		}
		if oldOwner == newOwner {
			return nil
		}
		// Subscribers following leads' owners learn of it as of any other
		// owner change (opportunity.handed_off announces the opportunity).
		return publishRouted(ctx, tx, actor, lead, oldOwner, map[string]any{"opportunity_id": opp.ID,
			"reassignment": false, "by_role": string(actor.Role)})
	})
	return opp, lead, err
}

// fieldError is an EINVALID error about one field.
func fieldError(field, message string) error {
	return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
		Fields: []leadrouter.FieldError{{Field: field, Message: message}}}
}
