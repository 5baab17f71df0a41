package live

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// Explain runs the policy (the one in force, or policySrc when given) on a
// lead that is not stored and returns the decision and its trace. Nothing
// is written: rotations are read, not advanced, so the answer names the
// assignee the next real lead of the same kind would get.
func (r *Router) Explain(ctx context.Context, sub intake.Submission, policySrc string) (leadrouter.Decision, error) {
	policy, _, _ := r.Policy()
	if policySrc != "" {
		p, err := routing.ParsePolicy([]byte(policySrc))
		if err != nil {
			return leadrouter.Decision{}, policyError(err)
		}
		policy = p
	}
	if _, err := sub.Validate(); err != nil {
		return leadrouter.Decision{}, err
	}
	var dec leadrouter.Decision
	// The same reads as capture's before its writer, without a snapshot
	// as there (intake.Service.Prepare).
	err := r.db.Read(ctx, func(tx *store.Tx) error {
		lead := leadrouter.Lead{ID: "explain", Email: sub.Email, Company: sub.Company, CompanySize: sub.CompanySize, Title: sub.Title,
			Country: sub.Country, Source: sub.Source, FormKind: sub.FormKind, Responses: 1}
		facts, err := intake.GatherFacts(ctx, tx, sub, tx.Now(), intake.LastTouch, nil)
		if err != nil {
			return err
		}
		lead.CreditedPartnerID, lead.AccountID = facts.CreditedPartnerID, facts.AccountID
		owner := facts.AccountOwner
		if lead.Email != "" {
			if dup, err := tx.OpenLeadByEmail(ctx, lead.Email); err == nil {
				dec = leadrouter.Decision{Rule: "duplicate", Owner: dup.Owner, ReservedPartnerID: dup.ReservedPartnerID, NurtureTrack: dup.NurtureTrack,
					Score: dup.Score, Trace: []leadrouter.RouteStep{{Rule: "duplicate", Matched: true, Fired: true, Reason: "an open lead with this e-mail exists (" + dup.ID + "): it keeps its owner"}}}
				return nil
			}
		}
		// The directory capture would use (partner changes invalidate it).
		dir, err := r.directory(ctx, tx)
		if err != nil {
			return err
		}
		exclude, excludeReasons := facts.RouteExclusions()
		matched := routing.Facts{AccountOwnerPartnerID: owner, Exclude: exclude, ExcludeReasons: excludeReasons}
		if dec, err = routing.Route(ctx, policy, dir, routing.Input{Lead: lead, Facts: matched}, &peekRotation{tx: tx, next: map[string]int64{}}); err != nil {
			return err
		}
		if r.Conflicts == nil {
			return nil
		}
		// Competing claims, and whom the precedence gives the lead to.
		claims, err := r.Conflicts.Claims(ctx, tx, lead, owner)
		if err != nil {
			return err
		}
		lead.Owner, lead.ReservedPartnerID, lead.RoutedRule = dec.Owner, dec.ReservedPartnerID, dec.Rule
		if c := r.Conflicts.Decide(&lead, claims, tx.Now()); c != nil {
			dec.Claims = c.Claims
			dec.Owner, dec.ReservedPartnerID, dec.Rule = lead.Owner, lead.ReservedPartnerID, lead.RoutedRule
		}
		return nil
	})
	return dec, err
}

// peekRotation reads rotations without advancing them in the database.
// Within one explain a position advances in memory, as Next would in
// capture, so a candidate that is skipped (excluded, at its cap) passes
// the turn to the next one instead of ending the pick.
type peekRotation struct {
	tx   *store.Tx
	next map[string]int64
}

func (p *peekRotation) Next(ctx context.Context, key string) (int64, error) {
	pos, ok := p.next[key]
	if !ok {
		var err error
		if pos, err = p.tx.PeekRotation(ctx, key); err != nil {
			return 0, err
		}
	}
	p.next[key] = pos + 1
	return pos, nil
}

func (p *peekRotation) AssignedToday(ctx context.Context, key, assigneeID string) (int, error) {
	return p.tx.AssignedToday(ctx, key, assigneeID, p.tx.Now().Format("2006-01-02"))
}

func (p *peekRotation) Record(context.Context, string, string) error { return nil }
