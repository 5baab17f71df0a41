// Package assignment is the partner's answer (SPEC W12): whenever a lead is
// routed to a partner or an opportunity handed off to one, an assignment
// opens with a due time from the policy's respond_within (by rule, by the
// partner's tier, in the partner's time zone for business days). The
// partner accepts or declines with a reason; a decline, or no answer by the
// due time (a lapse, found by a background job every process runs and
// claims in transactions), sends the lead on: routing runs again without
// the partners that declined or let it lapse, and a returned hand-off goes
// back to the vendor. After acceptance the partner reports the deal's
// stage, amount and close date, and closes it won or lost; a deal without
// news for the policy's stale_after gets a nudge. Performance sums it up
// per partner.
package assignment

import (
	"context"
	"log/slog"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// Policy is the routing policy in force (routing/live.Router).
type Policy interface {
	Policy() (*routing.Policy, int64, string)
}

// Rerouter runs the policy again for a lead without the excluded partners
// (routing/live.Router.Reroute): the new owner, the rule and its trace as
// a timeline stores it (the event's "steps").
type Rerouter func(ctx context.Context, tx *store.Tx, l leadrouter.Lead, exclude []string) (leadrouter.Owner, string, any, error)

// Service runs the assignment use cases and jobs.
type Service struct {
	DB      *store.DB
	Policy  Policy
	Reroute Rerouter
	Logger  *slog.Logger
	// Every is how often the jobs look for lapses, reminders and stale
	// deals (default 1s).
	Every time.Duration
}

func (s *Service) policy() *routing.Policy {
	if s.Policy != nil {
		if p, _, _ := s.Policy.Policy(); p != nil {
			return p
		}
	}
	return routing.DefaultPolicy()
}

func ownerData(o leadrouter.Owner) map[string]any {
	m := map[string]any{"kind": o.Kind, "id": o.ID}
	if o.PartnerID != "" {
		m["partner_id"] = o.PartnerID
	}
	return m
}

// Open opens an assignment for partnerID on lead (or, opp set, on the
// opportunity handed off to it), due by the policy's response time for
// rule and the partner's tier, in the partner's time zone; the lead's
// timeline records it. The caller has made sure the lead has no pending
// assignment (LeadOwnerChanged does).
func (s *Service) Open(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, opp *leadrouter.Opportunity, partnerID, rule string) (leadrouter.Assignment, error) {
	partner, err := tx.Partner(ctx, leadrouter.System, partnerID)
	if err != nil {
		return leadrouter.Assignment{}, err
	}
	now := tx.Now()
	rt := s.policy().ResponseTime(rule, partner.Tier)
	loc := partner.Location()
	a := leadrouter.Assignment{ID: leadrouter.NewID("asg"), LeadID: lead.ID, PartnerID: partnerID, Status: leadrouter.AssignmentPending,
		Rule: rule, OpenedAt: now, DueAt: rt.Due(now, loc), RemindAt: rt.Reminder(now, loc)}
	if opp != nil {
		a.OpportunityID = opp.ID
	}
	if err := tx.InsertAssignment(ctx, a); err != nil {
		return a, err
	}
	_, err = tx.AppendEvent(ctx, lead.ID, leadrouter.EventAssignmentOpened, actor, map[string]any{
		"assignment_id": a.ID, "partner_id": partnerID, "kind": a.Kind(), "opportunity_id": a.OpportunityID, "rule": rule,
		"due_at": a.DueAt, "respond_within": rt.String()})
	return a, err
}

// LeadRouted opens the assignment of a new lead routed to a partner
// (capture); a lead routed elsewhere gets none.
func (s *Service) LeadRouted(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, rule string) error {
	if lead.Owner.PartnerID == "" {
		return nil
	}
	_, err := s.Open(ctx, tx, actor, lead, nil, lead.Owner.PartnerID, rule)
	return err
}

// LeadOwnerChanged keeps a lead's assignment in step with its owner: a
// pending assignment of another partner is withdrawn, and a new partner
// owner gets an assignment of its own (the same partner keeps its).
func (s *Service) LeadOwnerChanged(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, rule string) error {
	pending, err := tx.PendingAssignmentOfLead(ctx, lead.ID)
	switch {
	case leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND:
	case err != nil:
		return err
	case pending.PartnerID == lead.Owner.PartnerID && pending.OpportunityID == "":
		return nil
	default:
		if err := s.withdraw(ctx, tx, actor, pending, "the lead moved to another owner"); err != nil {
			return err
		}
	}
	if lead.Owner.PartnerID == "" {
		return nil
	}
	_, err = s.Open(ctx, tx, actor, lead, nil, lead.Owner.PartnerID, rule)
	return err
}

// HandedOff opens the assignment of an opportunity handed off to its
// partner (withdrawing the lead's pending one, if any).
func (s *Service) HandedOff(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, opp leadrouter.Opportunity) error {
	if pending, err := tx.PendingAssignmentOfLead(ctx, lead.ID); err == nil {
		if err := s.withdraw(ctx, tx, actor, pending, "the opportunity was handed off"); err != nil {
			return err
		}
	} else if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
		return err
	}
	_, err := s.Open(ctx, tx, actor, lead, &opp, opp.PartnerID, "handoff")
	return err
}

// Converted follows a conversion: an opportunity handed off at once to
// the partner owning the lead needs no new answer when that partner
// accepted the lead (the acceptance carries over to the deal); otherwise
// it gets an assignment like any hand-off.
func (s *Service) Converted(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, opp leadrouter.Opportunity) error {
	if opp.Status != leadrouter.OppHandedOff || opp.PartnerID == "" {
		return nil
	}
	past, err := tx.AssignmentsOfLead(ctx, lead.ID)
	if err != nil {
		return err
	}
	for _, a := range past {
		if a.PartnerID == opp.PartnerID && a.Status == leadrouter.AssignmentAccepted {
			return nil
		}
	}
	return s.HandedOff(ctx, tx, actor, lead, opp)
}

func (s *Service) withdraw(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, a leadrouter.Assignment, why string) error {
	now := tx.Now()
	a.Status, a.AnsweredAt, a.AnsweredBy, a.Note = leadrouter.AssignmentWithdrawn, &now, actor.Label(), why
	_, err := tx.AnswerAssignment(ctx, a)
	return err
}
