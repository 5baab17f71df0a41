package assignment

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/job"
	"github.com/leadrouter/leadrouter/store"
)

// jobBatch is how many lapses, reminders or nudges one transaction takes.
const jobBatch = 50

// LapseDue lapses every pending assignment past its due time and sends
// its lead on (see moveOn), jobBatch a transaction, and returns how many
// lapsed. Each transaction claims its assignments (rows another process
// holds are skipped, and an assignment answered meanwhile is left alone),
// so several processes on one database lapse each exactly once; a process
// that was down catches up on its next run.
func (s *Service) LapseDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.DB.Update(ctx, func(tx *store.Tx) error {
			n = 0
			due, err := tx.ClaimDueAssignments(ctx, tx.Now(), jobBatch)
			if err != nil {
				return err
			}
			for _, a := range due {
				now := tx.Now()
				a.Status, a.AnsweredAt, a.AnsweredBy = leadrouter.AssignmentLapsed, &now, leadrouter.System.Label()
				if ok, err := tx.AnswerAssignment(ctx, a); err != nil {
					return err
				} else if !ok {
					continue
				}
				if _, err := tx.AppendEvent(ctx, a.LeadID, leadrouter.EventAssignmentLapsed, leadrouter.System, map[string]any{
					"assignment_id": a.ID, "partner_id": a.PartnerID, "kind": a.Kind(), "opportunity_id": a.OpportunityID,
					"due_at": a.DueAt}); err != nil {
					return err
				}
				if err := s.moveOn(ctx, tx, a); err != nil {
					return err
				}
				n++
			}
			if len(due) == jobBatch && n == 0 {
				n = -1 // all answered meanwhile: look again
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, nil
		}
		total += max(n, 0)
	}
}

// RemindDue records a reminder on the timeline of every pending
// assignment half-way to its due time (the notification outbox sends it),
// once, claimed like lapses.
func (s *Service) RemindDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.DB.Update(ctx, func(tx *store.Tx) error {
			due, err := tx.ClaimReminders(ctx, tx.Now(), jobBatch)
			n = len(due)
			if err != nil {
				return err
			}
			for _, a := range due {
				if _, err := tx.AppendEvent(ctx, a.LeadID, leadrouter.EventAssignmentReminder, leadrouter.System, map[string]any{
					"assignment_id": a.ID, "partner_id": a.PartnerID, "kind": a.Kind(), "due_at": a.DueAt}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < jobBatch {
			return total, nil
		}
	}
}

// NudgeStale records a nudge on the timeline of every open deal without
// an update for the policy's stale_after (again after as long, if it
// stays without news).
func (s *Service) NudgeStale(ctx context.Context) (int, error) {
	staleAfter := s.policy().StaleAfter
	total := 0
	for {
		n := 0
		err := s.DB.Update(ctx, func(tx *store.Tx) error {
			stale, err := tx.ClaimStaleDeals(ctx, tx.Now().Add(-staleAfter), jobBatch)
			n = len(stale)
			if err != nil {
				return err
			}
			for _, o := range stale {
				if _, err := tx.AppendEvent(ctx, o.LeadID, leadrouter.EventDealStale, leadrouter.System, map[string]any{
					"opportunity_id": o.ID, "partner_id": o.PartnerID, "last_update": o.Deal.UpdatedAt, "stale_after": staleAfter.String()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < jobBatch {
			return total, nil
		}
	}
}

// Run runs the jobs every s.Every until ctx ends.
func (s *Service) Run(ctx context.Context) {
	job.Every(ctx, s.Every, s.Logger, job.Job{Name: "lapse assignments", Run: s.LapseDue},
		job.Job{Name: "remind partners", Run: s.RemindDue}, job.Job{Name: "nudge stale deals", Run: s.NudgeStale})
}
