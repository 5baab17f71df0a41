package assignment

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// DealInput is a partner's update of a deal; nil fields stay as they are.
type DealInput struct {
	Stage     *string
	Amount    *string // a decimal such as "12500.00", with Currency
	Currency  *string // ISO 4217
	CloseDate *string // YYYY-MM-DD
}

// dealOf reads an opportunity actor's partner accepted (its hand-off, or
// the lead it converted from), locked: 404 for one not handed off to it,
// 403 for anyone but its partner's users, 409 before acceptance or after
// closing.
func dealOf(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, id string) (leadrouter.Opportunity, error) {
	if !actor.IsPartner() {
		return leadrouter.Opportunity{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only the partner the opportunity was handed off to reports on its deal.")
	}
	o, err := tx.Opportunity(ctx, actor, id)
	if err != nil {
		return o, err
	}
	if o, err = tx.OpportunityByLead(ctx, o.LeadID); err != nil { // locked
		return o, err
	}
	if o.Deal.ClosedAt != nil {
		return o, leadrouter.Errorf(leadrouter.ECONFLICT, "The deal is closed (%s).", o.Status)
	}
	past, err := tx.AssignmentsOfLead(ctx, o.LeadID)
	if err != nil {
		return o, err
	}
	for _, a := range past {
		if (a.OpportunityID == o.ID || a.OpportunityID == "") && a.PartnerID == actor.PartnerID && a.Status == leadrouter.AssignmentAccepted {
			return o, nil
		}
	}
	return o, leadrouter.Errorf(leadrouter.ECONFLICT, "Accept the hand-off first (GET /api/v1/assignments?status=pending).")
}

// UpdateDeal records the partner's news of a deal: stage (one of the
// policy's deal_stages), amount in a currency (never more decimals than
// the currency has), expected close date. Every offending field is
// reported at once; the timeline keeps the history.
func (s *Service) UpdateDeal(ctx context.Context, actor leadrouter.Actor, id string, in DealInput) (leadrouter.Opportunity, error) {
	var v leadrouter.Validation
	stages := s.policy().DealStages
	if in.Stage != nil && !slices.Contains(stages, strings.TrimSpace(*in.Stage)) {
		v.Add("stage", "must be one of %s", strings.Join(stages, ", "))
	}
	if in.CloseDate != nil {
		if _, err := time.Parse(time.DateOnly, strings.TrimSpace(*in.CloseDate)); err != nil {
			v.Add("close_date", "must be a date such as 2027-03-31")
		}
	}
	if in.Stage == nil && in.Amount == nil && in.Currency == nil && in.CloseDate == nil {
		v.Add("stage", "give at least one of stage, amount with currency, close_date")
	}
	var o leadrouter.Opportunity
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if o, err = dealOf(ctx, tx, actor, id); err != nil {
			return err
		}
		changes := map[string]any{}
		if in.Amount != nil || in.Currency != nil {
			amount, cur := "", ""
			if o.Deal.Value != nil {
				amount, cur = o.Deal.Value.Decimal(), o.Deal.Value.Currency
			}
			if in.Amount != nil {
				amount = *in.Amount
			}
			if in.Currency != nil {
				cur = *in.Currency
			}
			m, err := leadrouter.ParseMoney(amount, cur)
			if err != nil {
				v.Fields = append(v.Fields, leadrouter.ErrorFields(err)...)
			} else {
				o.Deal.Value, changes["value"] = &m, m
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.Stage != nil {
			o.Deal.Stage, changes["stage"] = strings.TrimSpace(*in.Stage), strings.TrimSpace(*in.Stage)
		}
		if in.CloseDate != nil {
			o.Deal.CloseDate, changes["close_date"] = strings.TrimSpace(*in.CloseDate), strings.TrimSpace(*in.CloseDate)
		}
		now := tx.Now()
		o.Deal.UpdatedAt = &now
		if err := tx.SaveDeal(ctx, o); err != nil {
			return err
		}
		changes["opportunity_id"], changes["partner_id"] = o.ID, o.PartnerID
		_, err = tx.AppendEvent(ctx, o.LeadID, leadrouter.EventDealUpdated, actor, changes)
		return err
	})
	return o, err
}

// CloseDeal closes a deal won or lost, with a reason (required when lost).
func (s *Service) CloseDeal(ctx context.Context, actor leadrouter.Actor, id string, result leadrouter.OpportunityStatus, reason string) (leadrouter.Opportunity, error) {
	var v leadrouter.Validation
	reason = strings.TrimSpace(reason)
	if result != leadrouter.OppWon && result != leadrouter.OppLost {
		v.Add("result", "must be won or lost")
	}
	if result == leadrouter.OppLost && reason == "" {
		v.Add("reason", "is required for a lost deal: say why")
	}
	if utf8.RuneCountInString(reason) > maxNote {
		v.Add("reason", "is longer than %d characters", maxNote)
	}
	if err := v.Err(); err != nil {
		return leadrouter.Opportunity{}, err
	}
	var o leadrouter.Opportunity
	err := s.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if o, err = dealOf(ctx, tx, actor, id); err != nil {
			return err
		}
		now := tx.Now()
		o.Status, o.Deal.Result, o.Deal.CloseReason, o.Deal.ClosedAt, o.Deal.UpdatedAt = result, result, reason, &now, &now
		if o.Deal.CloseDate == "" || result == leadrouter.OppWon {
			o.Deal.CloseDate = now.Format(time.DateOnly)
		}
		if err := tx.SaveDeal(ctx, o); err != nil {
			return err
		}
		data := map[string]any{"opportunity_id": o.ID, "partner_id": o.PartnerID, "result": result, "reason": reason}
		if o.Deal.Value != nil {
			data["value"] = o.Deal.Value
		}
		_, err = tx.AppendEvent(ctx, o.LeadID, leadrouter.EventDealClosed, actor, data)
		return err
	})
	return o, err
}
