package lifecycle

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// Rules a lead's routed_rule names when people, not the routing policy,
// chose its owner.
const (
	// RuleManual: the owner was changed by hand (ChangeOwner).
	RuleManual = "manual"
	// RuleNamedByAdmin: an admin named the owner when resolving a
	// reassignment request.
	RuleNamedByAdmin = "named_by_admin"
	// RuleHandoff: a hand-off made the partner the owner.
	RuleHandoff = "handoff"
)

// ChangeOwnerInput names a lead's new owner: a user id, or (for admins,
// PAMs and a partner naming itself) a partner id.
type ChangeOwnerInput struct {
	OwnerID string
	Reason  string
}

// ChangeOwner sets a lead's owner (SPEC W8):
//   - an admin: any lead, to any user or partner;
//   - a PAM: leads of its partners (owned by, reserved for or handed off to
//     one), to one of those partners or one of their users;
//   - a partner user: leads routed or handed off to its partner, to one of
//     its partner's users (or back to the partner itself);
//   - the support desk, when a partner asks it to (the seed's "Change
//     Owner"): a lead a partner owns, to another user of that same partner
//     or the partner itself; moving a lead to another partner is a
//     reassignment request.
//
// The old and new owner and who did it go on the timeline. A lead handed
// off to the old owner partner follows its new owner (its opportunity too).
// The lead's routed_rule becomes RuleManual and webhook subscribers get
// lead.routed with the new owner (see publishRouted).
// Errors: EFORBIDDEN (role or scope), ENOTFOUND (a partner asking about a
// lead not its own), EINVALID (owner_id), ECONFLICT (same owner).
func (s *Service) ChangeOwner(ctx context.Context, actor leadrouter.Actor, leadID string, in ChangeOwnerInput) (leadrouter.Lead, error) {
	if err := actor.Require(OwnerRoles...); err != nil {
		return leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	in.OwnerID = clean(&v, "owner_id", in.OwnerID, true, maxNameLen)
	in.Reason = clean(&v, "reason", in.Reason, false, maxReasonLen)
	if err := v.Err(); err != nil {
		return leadrouter.Lead{}, err
	}
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if lead, err = tx.LeadForUpdate(ctx, actor, leadID); err != nil {
			return err
		}
		var owner leadrouter.Owner
		switch actor.Role {
		case leadrouter.RoleAdmin:
			if owner, err = resolveOwner(ctx, tx, leadrouter.System, in.OwnerID); err != nil {
				return err
			}
		case leadrouter.RolePAM:
			partners, err := tx.PAMPartnerIDs(ctx, actor.UserID)
			if err != nil {
				return err
			}
			if !partners[lead.Owner.PartnerID] && !partners[lead.ReservedPartnerID] && !partners[lead.HandoffPartnerID] {
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "A PAM may change the owner of its partners' leads only.")
			}
			if owner, err = resolveOwner(ctx, tx, leadrouter.System, in.OwnerID); err != nil {
				return err
			}
			if !partners[owner.PartnerID] {
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "A PAM may move leads only among its partners and their users.")
			}
		case leadrouter.RolePartner:
			if lead.Owner.PartnerID != actor.PartnerID && lead.HandoffPartnerID != actor.PartnerID {
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "A partner may change the owner only of leads routed or handed off to it.")
			}
			// Resolved with the partner's own visibility: other partners'
			// ids and users are simply not found.
			if owner, err = resolveOwner(ctx, tx, actor, in.OwnerID); err != nil {
				return err
			}
		case leadrouter.RoleSupport:
			partnerID := lead.Owner.PartnerID
			if partnerID == "" {
				partnerID = lead.HandoffPartnerID
			}
			if partnerID == "" {
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "The support desk changes the owner only among the users of the partner that owns the lead; "+
					"this lead is the vendor's.")
			}
			if owner, err = resolveOwner(ctx, tx, leadrouter.System, in.OwnerID); err != nil {
				return err
			}
			if owner.PartnerID != partnerID {
				return fieldError("owner_id", "must name a user of the partner that owns the lead (moving it to another partner is a reassignment request)")
			}
		default:
			return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Your role (%s) may not change owners.", actor.Role)
		}
		if owner == lead.Owner {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead already has that owner.")
		}
		data := map[string]any{"by_role": string(actor.Role)}
		if in.Reason != "" {
			data["reason"] = in.Reason
		}
		previous := lead.Owner
		lead.RoutedRule = RuleManual
		if err := s.applyOwner(ctx, tx, actor, &lead, owner, data); err != nil {
			return err
		}
		return publishRouted(ctx, tx, actor, lead, previous, map[string]any{"reassignment": false, "by_role": string(actor.Role)})
	})
	return lead, err
}

// publishRouted announces a lead's new owner to webhook subscribers as
// lead.routed, in the change's transaction. The payload has the shape of
// capture's routing decision (rule, owner, reserved_partner_id, and the
// trace of a re-route) plus previous_owner and extra saying how the owner
// changed; like capture's, it names owners by id only and carries no
// contact details or free text.
func publishRouted(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, previous leadrouter.Owner, extra map[string]any) error {
	data := map[string]any{"rule": lead.RoutedRule, "owner": lead.Owner, "reserved_partner_id": lead.ReservedPartnerID, "previous_owner": previous}
	for k, v := range extra {
		data[k] = v
	}
	return tx.PublishEvent(ctx, lead.ID, leadrouter.EventRouted, actor, data)
}

// resolveOwner turns an id into an owner as scope may see it: a partner
// (partner-level owner) or a user (a partner user keeps its partner).
func resolveOwner(ctx context.Context, tx *store.Tx, scope leadrouter.Actor, id string) (leadrouter.Owner, error) {
	p, err := tx.Partner(ctx, scope, id)
	switch {
	case err == nil:
		if p.Status != leadrouter.PartnerActive {
			return leadrouter.Owner{}, fieldError("owner_id", "names a suspended partner")
		}
		return partnerOwner(p.ID), nil
	case leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND:
		return leadrouter.Owner{}, err
	}
	u, err := tx.User(ctx, scope, id)
	switch {
	case err == nil:
		return leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: u.ID, PartnerID: u.PartnerID}, nil
	case leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND:
		return leadrouter.Owner{}, err
	}
	if scope.IsPartner() {
		return leadrouter.Owner{}, fieldError("owner_id", "must name one of your partner's users (or your partner)")
	}
	return leadrouter.Owner{}, fieldError("owner_id", "must name an existing user or partner")
}

// applyOwner gives the lead its new owner, moves a hand-off that belonged
// to the old owner partner along with it, writes the lead back and appends
// the owner_changed event (with extra data).
func (s *Service) applyOwner(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead *leadrouter.Lead, owner leadrouter.Owner, extra map[string]any) error {
	old := lead.Owner
	lead.Owner = owner
	if err := moveHandoff(ctx, tx, actor, lead, old.PartnerID, owner.PartnerID); err != nil {
		return err
	}
	if err := tx.UpdateLead(ctx, lead); err != nil {
		return err
	}
	data := map[string]any{"old_owner": ownerData(old), "new_owner": ownerData(owner)}
	for k, v := range extra {
		data[k] = v
	}
	if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventOwnerChanged, actor, data); err != nil {
		return err
	}
	if s.Assignments == nil || lead.HandoffPartnerID != "" {
		return nil // a handed-off lead's answer is its opportunity's
	}
	return s.Assignments.LeadOwnerChanged(ctx, tx, actor, *lead, lead.RoutedRule)
}

// moveHandoff keeps a partner from holding on to a lead it no longer owns:
// when the lead was handed off to the old owner partner (it was routed to
// it and converted), the hand-off and the opportunity follow the new owner
// partner, or the opportunity reopens for the vendor.
func moveHandoff(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead *leadrouter.Lead, oldPartnerID, newPartnerID string) error {
	if oldPartnerID == "" || oldPartnerID == newPartnerID || lead.HandoffPartnerID != oldPartnerID {
		return nil
	}
	lead.HandoffPartnerID = newPartnerID
	opp, err := tx.OpportunityByLead(ctx, lead.ID)
	if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if opp.PartnerID != oldPartnerID || opp.Status != leadrouter.OppHandedOff {
		return nil
	}
	if newPartnerID == "" {
		opp.Status, opp.PartnerID, opp.HandedOffAt = leadrouter.OppOpen, "", nil
		return tx.UpdateOpportunityHandoff(ctx, &opp)
	}
	now := tx.Now()
	opp.PartnerID, opp.HandedOffAt = newPartnerID, &now
	if err := tx.UpdateOpportunityHandoff(ctx, &opp); err != nil {
		return err
	}
	return tx.LeadEvent(ctx, lead.ID, leadrouter.EventHandoff, actor, map[string]any{
		"opportunity_id": opp.ID, "new_owner": ownerData(partnerOwner(newPartnerID)), "override": false,
		"reason": "the opportunity follows the lead's new owner"})
}
