package assignment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// maxNote bounds a decline's or a close's free text.
const maxNote = 2000

// List is a page of the assignments actor may see: a partner its own, a
// PAM its partners', other staff all.
func (s *Service) List(ctx context.Context, actor leadrouter.Actor, f store.AssignmentFilter) (store.Page[leadrouter.Assignment], error) {
	if f.Status != "" && !f.Status.Valid() {
		return store.Page[leadrouter.Assignment]{}, &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
			Fields: []leadrouter.FieldError{{Field: "status", Message: "must be one of " + strings.Join(leadrouter.AssignmentStatusNames(), ", ")}}}
	}
	var page store.Page[leadrouter.Assignment]
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.Assignments(ctx, actor, f)
		return err
	})
	return page, err
}

// Get reads one assignment actor may see.
func (s *Service) Get(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Assignment, error) {
	var a leadrouter.Assignment
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		a, err = tx.Assignment(ctx, actor, id)
		return err
	})
	return a, err
}

// answerable reads a pending assignment of actor's partner, locked: 404 for
// another partner's, 403 for staff (only the assigned partner answers),
// 409 once answered or past due.
func answerable(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, id string) (leadrouter.Assignment, error) {
	if !actor.IsPartner() {
		return leadrouter.Assignment{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only the assigned partner answers an assignment.")
	}
	a, err := tx.Assignment(ctx, actor, id)
	if err != nil {
		return a, err
	}
	switch {
	case a.Status != leadrouter.AssignmentPending:
		return a, leadrouter.Errorf(leadrouter.ECONFLICT, "The assignment is %s already.", a.Status)
	case !tx.Now().Before(a.DueAt):
		return a, leadrouter.Errorf(leadrouter.ECONFLICT, "The time to answer ran out at %s.", a.DueAt.Format("2006-01-02 15:04 MST"))
	}
	return a, nil
}

// Accept takes an assignment on: the partner works the lead (or the
// opportunity, whose deal clock starts now).
func (s *Service) Accept(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Assignment, error) {
	var a leadrouter.Assignment
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = answerable(ctx, tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		a.Status, a.AnsweredAt, a.AnsweredBy = leadrouter.AssignmentAccepted, &now, actor.UserID
		if ok, err := tx.AnswerAssignment(ctx, a); err != nil || !ok {
			return answerLost(err, ok)
		}
		if a.OpportunityID != "" {
			opp, err := tx.OpportunityByLead(ctx, a.LeadID)
			if err != nil {
				return err
			}
			opp.Deal.UpdatedAt = &now
			if err := tx.SaveDeal(ctx, opp); err != nil {
				return err
			}
		}
		_, err = tx.AppendEvent(ctx, a.LeadID, leadrouter.EventAssignmentAccepted, actor, map[string]any{
			"assignment_id": a.ID, "partner_id": a.PartnerID, "kind": a.Kind(), "opportunity_id": a.OpportunityID,
			"seconds_to_answer": int64(now.Sub(a.OpenedAt).Seconds())})
		return err
	})
	return a, err
}

func answerLost(err error, ok bool) error {
	if err != nil {
		return err
	}
	return leadrouter.Errorf(leadrouter.ECONFLICT, "The assignment was answered meanwhile.")
}

// DeclineInput is a partner's reason for declining.
type DeclineInput struct {
	Reason string // one of the policy's decline_reasons
	Note   string // free text; required with reason "other"
}

// Decline gives an assignment back with a reason: a lead is routed again
// without the partners that declined it or let it lapse; a hand-off goes
// back to the vendor.
func (s *Service) Decline(ctx context.Context, actor leadrouter.Actor, id string, in DeclineInput) (leadrouter.Assignment, error) {
	var v leadrouter.Validation
	reasons := s.policy().DeclineReasons
	in.Reason, in.Note = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Note)
	if !slices.Contains(reasons, in.Reason) {
		v.Add("reason", "must be one of %s", strings.Join(reasons, ", "))
	}
	if in.Reason == "other" && in.Note == "" {
		v.Add("note", "is required with reason other: say why")
	}
	if utf8.RuneCountInString(in.Note) > maxNote {
		v.Add("note", "is longer than %d characters", maxNote)
	}
	if err := v.Err(); err != nil {
		return leadrouter.Assignment{}, err
	}
	var a leadrouter.Assignment
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = answerable(ctx, tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		a.Status, a.AnsweredAt, a.AnsweredBy, a.Reason, a.Note = leadrouter.AssignmentDeclined, &now, actor.UserID, in.Reason, in.Note
		if ok, err := tx.AnswerAssignment(ctx, a); err != nil || !ok {
			return answerLost(err, ok)
		}
		if _, err := tx.AppendEvent(ctx, a.LeadID, leadrouter.EventAssignmentDeclined, actor, map[string]any{
			"assignment_id": a.ID, "partner_id": a.PartnerID, "kind": a.Kind(), "opportunity_id": a.OpportunityID,
			"reason": in.Reason, "note": in.Note, "seconds_to_answer": int64(now.Sub(a.OpenedAt).Seconds())}); err != nil {
			return err
		}
		return s.moveOn(ctx, tx, a)
	})
	return a, err
}

// moveOn sends a lead on after its partner declined it or let it lapse. A
// routed lead is routed again without every partner that declined or let
// it lapse (when none is left, the rules fall through to the vendor); a
// lead reserved for that very partner by its PID, and a hand-off, go back
// to the vendor. Nothing moves when the lead found another owner meanwhile.
func (s *Service) moveOn(ctx context.Context, tx *store.Tx, a leadrouter.Assignment) error {
	lead, err := tx.LeadForUpdate(ctx, leadrouter.System, a.LeadID)
	if err != nil {
		return err
	}
	why := string(a.Status)
	if a.OpportunityID != "" {
		return s.returnHandoff(ctx, tx, a, lead, why)
	}
	if lead.Owner.PartnerID != a.PartnerID {
		return nil
	}
	old := lead.Owner
	var owner leadrouter.Owner
	var rule string
	var trace any
	if lead.ReservedPartnerID == a.PartnerID || s.Reroute == nil {
		lead.ReservedPartnerID = ""
		owner, rule = leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: s.policy().DefaultQueue}, "vendor"
	} else {
		past, err := tx.AssignmentsOfLead(ctx, lead.ID)
		if err != nil {
			return err
		}
		exclude := []string{a.PartnerID}
		for _, p := range past {
			if (p.Status == leadrouter.AssignmentDeclined || p.Status == leadrouter.AssignmentLapsed) && !slices.Contains(exclude, p.PartnerID) {
				exclude = append(exclude, p.PartnerID)
			}
		}
		if owner, rule, trace, err = s.Reroute(ctx, tx, lead, exclude); err != nil {
			return fmt.Errorf("route again: %w", err)
		}
	}
	lead.Owner = owner
	if err := tx.UpdateLead(ctx, &lead); err != nil {
		return err
	}
	if _, err := tx.AppendEvent(ctx, lead.ID, leadrouter.EventOwnerChanged, leadrouter.System, map[string]any{
		"old_owner": ownerData(old), "new_owner": ownerData(owner), "rule": rule, "rerouted": true,
		"reason": "the partner " + why + " the lead", "steps": trace}); err != nil {
		return err
	}
	if owner.PartnerID == "" {
		return nil
	}
	_, err = s.Open(ctx, tx, leadrouter.System, lead, nil, owner.PartnerID, rule)
	return err
}

// returnHandoff gives a declined or lapsed hand-off back to the vendor:
// the opportunity reopens for the vendor's sales and the lead is no longer
// reserved for, nor owned by, that partner.
func (s *Service) returnHandoff(ctx context.Context, tx *store.Tx, a leadrouter.Assignment, lead leadrouter.Lead, why string) error {
	opp, err := tx.OpportunityByLead(ctx, lead.ID)
	if err != nil {
		return err
	}
	if opp.PartnerID != a.PartnerID || opp.Status != leadrouter.OppHandedOff {
		return nil
	}
	opp.Status, opp.PartnerID, opp.HandedOffAt = leadrouter.OppOpen, "", nil
	if err := tx.UpdateOpportunityHandoff(ctx, &opp); err != nil {
		return err
	}
	old := lead.Owner
	if lead.HandoffPartnerID == a.PartnerID {
		lead.HandoffPartnerID = ""
	}
	if lead.ReservedPartnerID == a.PartnerID {
		lead.ReservedPartnerID = ""
	}
	if lead.Owner.PartnerID == a.PartnerID {
		lead.Owner = leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: s.policy().DefaultQueue}
	}
	if err := tx.UpdateLead(ctx, &lead); err != nil {
		return err
	}
	_, err = tx.AppendEvent(ctx, lead.ID, leadrouter.EventOwnerChanged, leadrouter.System, map[string]any{
		"old_owner": ownerData(old), "new_owner": ownerData(lead.Owner), "rerouted": false, "opportunity_id": opp.ID,
		"reason": "the partner " + why + " the hand-off: the opportunity is back with the vendor"})
	return err
}
