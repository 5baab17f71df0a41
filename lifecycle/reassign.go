package lifecycle

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// ReassignmentInput is a request to give a lead up.
type ReassignmentInput struct {
	Reason string
	// PartnerID is the partner giving the lead up, named by the support
	// desk filing on its behalf; a partner user's own request always names
	// its own partner.
	PartnerID string
}

// RequestReassignment files a partner's request to give up a lead it owns,
// made by the partner itself or by the support desk on its behalf; it
// lands in the admins' queue with no new owner named.
// Errors: EFORBIDDEN (role, or a partner's lead it does not own),
// ENOTFOUND, EINVALID, ECONFLICT (a request for the lead is open already).
func (s *Service) RequestReassignment(ctx context.Context, actor leadrouter.Actor, leadID string, in ReassignmentInput) (leadrouter.ReassignmentRequest, error) {
	if err := actor.Require(RequestReassignmentRoles...); err != nil {
		return leadrouter.ReassignmentRequest{}, err
	}
	var v leadrouter.Validation
	in.Reason = clean(&v, "reason", in.Reason, true, maxReasonLen)
	if actor.IsPartner() {
		in.PartnerID = actor.PartnerID
	} else {
		in.PartnerID = clean(&v, "partner_id", in.PartnerID, true, maxNameLen)
	}
	if err := v.Err(); err != nil {
		return leadrouter.ReassignmentRequest{}, err
	}
	var req leadrouter.ReassignmentRequest
	err := s.update(ctx, func(tx *store.Tx) error {
		lead, err := tx.LeadForUpdate(ctx, actor, leadID)
		if err != nil {
			return err
		}
		if lead.Owner.PartnerID != in.PartnerID {
			if actor.IsPartner() {
				return leadrouter.Errorf(leadrouter.EFORBIDDEN, "A partner may ask to give up only leads it owns.")
			}
			return fieldError("partner_id", "must name the partner that owns the lead")
		}
		if open, err := tx.OpenReassignmentForLead(ctx, lead.ID); err != nil {
			return err
		} else if open != "" {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "A reassignment request for this lead is open already (%s).", open)
		}
		req = leadrouter.ReassignmentRequest{LeadID: lead.ID, PartnerID: in.PartnerID, RequestedBy: actor.Label(), Reason: in.Reason}
		if err := tx.InsertReassignmentRequest(ctx, &req); err != nil {
			return err
		}
		return tx.LeadEvent(ctx, lead.ID, leadrouter.EventReassignReq, actor, map[string]any{
			"request_id": req.ID, "reason": in.Reason, "old_owner": ownerData(lead.Owner), "on_behalf": !actor.IsPartner()})
	})
	return req, err
}

// ResolveInput resolves a reassignment request: OwnerID names the new
// owner (a user or a partner); empty re-runs routing without the partner
// that gave the lead up.
type ResolveInput struct {
	OwnerID string
}

// ResolveReassignment works one request of the admins' queue: the lead
// gets the named owner, or the owner routing picks with the giving-up
// partner excluded; the owner change and the resolution go on the timeline.
// The lead's routed_rule becomes the rule that fired (RuleNamedByAdmin for
// a named owner) and webhook subscribers get lead.routed with the new owner
// and reassignment true.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (owner_id), ECONFLICT (resolved
// already, or routing not available and no owner named).
func (s *Service) ResolveReassignment(ctx context.Context, actor leadrouter.Actor, requestID string, in ResolveInput) (leadrouter.ReassignmentRequest, leadrouter.Lead, error) {
	if err := actor.Require(ResolveReassignmentRoles...); err != nil {
		return leadrouter.ReassignmentRequest{}, leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	in.OwnerID = clean(&v, "owner_id", in.OwnerID, false, maxNameLen)
	if err := v.Err(); err != nil {
		return leadrouter.ReassignmentRequest{}, leadrouter.Lead{}, err
	}
	var req leadrouter.ReassignmentRequest
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		// Lock order: the lead, then the request.
		first, err := tx.ReassignmentRequest(ctx, requestID)
		if err != nil {
			return err
		}
		if lead, err = tx.LeadForUpdate(ctx, leadrouter.System, first.LeadID); err != nil {
			return err
		}
		if req, err = tx.ReassignmentRequestForUpdate(ctx, requestID); err != nil {
			return err
		}
		if req.Status != leadrouter.ReassignmentOpen {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The reassignment request is resolved already.")
		}
		var owner leadrouter.Owner
		var rule string
		var trace any
		if in.OwnerID != "" {
			if owner, err = resolveOwner(ctx, tx, leadrouter.System, in.OwnerID); err != nil {
				return err
			}
			rule = RuleNamedByAdmin
		} else {
			if s.Reroute == nil {
				return leadrouter.Errorf(leadrouter.ECONFLICT, "Routing is not available: name the new owner with owner_id.")
			}
			var exclude []string
			if req.PartnerID != "" {
				exclude = []string{req.PartnerID}
			}
			if owner, rule, trace, err = s.Reroute(ctx, tx, lead, exclude); err != nil {
				return err
			}
		}
		previous := lead.Owner
		lead.RoutedRule = rule
		if owner != lead.Owner {
			extra := map[string]any{"reason": "reassignment", "request_id": req.ID, "rule": rule, "by_role": string(actor.Role)}
			if trace != nil {
				extra["steps"] = trace // the decision as codes: lookup renders the words
			}
			if err := s.applyOwner(ctx, tx, actor, &lead, owner, extra); err != nil {
				return err
			}
		} else if err := tx.UpdateLead(ctx, &lead); err != nil {
			return err
		}
		req.NewOwner = owner
		if err := tx.ResolveReassignmentRequest(ctx, &req, actor.Label()); err != nil {
			return err
		}
		if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventReassignDone, actor, map[string]any{
			"request_id": req.ID, "new_owner": ownerData(owner), "rule": rule, "rerouted": in.OwnerID == ""}); err != nil {
			return err
		}
		published := map[string]any{"reassignment": true, "request_id": req.ID, "rerouted": in.OwnerID == "", "by_role": string(actor.Role)}
		if trace != nil {
			published["steps"] = trace
		}
		return publishRouted(ctx, tx, actor, lead, previous, published)
	})
	return req, lead, err
}
