package main

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/conflict"
	"github.com/leadrouter/leadrouter/demo"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/lifecycle"
	"github.com/leadrouter/leadrouter/store"
)

// mountAssignments serves partners' answers, deal updates and performance,
// opens assignments from capture (the lifecycle and the portal get the
// service as they are mounted) and starts the job that lapses unanswered
// assignments, sends reminders and nudges stale deals.
func mountAssignments(m *Main) {
	svc := &assignment.Service{DB: m.DB, Logger: m.Logger, Every: m.Config.AssignmentEvery}
	if m.Router != nil {
		svc.Policy, svc.Reroute = m.Router, m.Router.Reroute
	}
	m.Assignments = svc
	conflicts := &conflict.Service{DB: m.DB, Assignments: svc}
	if m.Router != nil {
		conflicts.Policy, m.Router.Conflicts = m.Router, conflicts
	}
	m.Conflicts = conflicts
	if m.Intake != nil {
		m.Intake.Assignments, m.Intake.Conflicts = svc, conflicts
	}
	m.API.MountAssignments(svc)
	m.API.MountConflicts(conflicts)
	m.goWork(func() { svc.Run(m.workCtx) })
}

// seedDemoAssignments gives the demo partners' answers a history: leads
// from ten days ago (one Brussels never answered, which lapses as the
// server starts; two accepted, converted, handed off and closed, one won
// and one lost) and today's (one accepted, one declined and routed on,
// others waiting).
func seedDemoAssignments(ctx context.Context, m *Main, ids demo.IDs) error {
	if m.Assignments == nil || m.Intake == nil {
		return nil
	}
	pam := leadrouter.Actor{UserID: ids.Users["pam@vendor.example"], Name: "Paula PAM", Role: leadrouter.RolePAM}
	support := leadrouter.Actor{UserID: ids.Users["support@vendor.example"], Name: "Sam Support", Role: leadrouter.RoleSupport}
	lc := &lifecycle.Service{DB: m.DB, Assignments: m.Assignments}
	if m.Router != nil {
		lc.Reroute, lc.Policy = m.Router.Reroute, m.Router
	}
	yes := true
	capture := func(first, last, email, company, country string) (leadrouter.Lead, error) {
		res, err := m.Intake.Capture(ctx, support, intake.Submission{FirstName: first, LastName: last, Email: email, Company: company,
			Country: country, Source: leadrouter.SourceCall, Campaign: "demo", ConsentShare: &yes, ConsentText: demo.Forms[0].ConsentText}, nil)
		return res.Lead, err
	}
	pending := func(leadID string) (leadrouter.Assignment, error) {
		page, err := m.Assignments.List(ctx, leadrouter.System, store.AssignmentFilter{Status: leadrouter.AssignmentPending, Limit: 500})
		for _, a := range page.Items {
			if a.LeadID == leadID {
				return a, err
			}
		}
		return leadrouter.Assignment{}, fmt.Errorf("no pending assignment for demo lead %s (%v)", leadID, err)
	}
	accept := func(l leadrouter.Lead) (leadrouter.Assignment, error) {
		a, err := pending(l.ID)
		if err != nil {
			return a, err
		}
		return m.Assignments.Accept(ctx, ids.PartnerUser(a.PartnerID), a.ID)
	}
	// A deal: the partner accepted the lead, the PAM qualified and
	// converted it, the partner reported on the deal and closed it.
	deal := func(l leadrouter.Lead, stage, amount, currency string, result leadrouter.OpportunityStatus, reason string) error {
		a, err := accept(l)
		if err != nil {
			return err
		}
		if _, err := lc.Qualify(ctx, pam, l.ID, lifecycle.QualifyInput{ConsentShare: &yes, ConsentText: demo.Forms[0].ConsentText}); err != nil {
			return err
		}
		// The partner owns the lead: converting hands the opportunity off
		// to it, and its acceptance carries over to the deal.
		conv, err := lc.Convert(ctx, pam, l.ID, lifecycle.ConvertInput{})
		if err != nil {
			return err
		}
		partner := ids.PartnerUser(a.PartnerID)
		if _, err := m.Assignments.UpdateDeal(ctx, partner, conv.Opportunity.ID, assignment.DealInput{Stage: &stage, Amount: &amount, Currency: &currency}); err != nil {
			return err
		}
		_, err = m.Assignments.CloseDeal(ctx, partner, conv.Opportunity.ID, result, reason)
		return err
	}

	now := m.DB.Now
	m.DB.Now = func() time.Time { return now().AddDate(0, 0, -10) }
	err := func() error {
		if _, err := capture("Dirk", "Peeters", "dirk@antwerp-chemicals.example", "Antwerp Chemicals NV", "BE"); err != nil {
			return err
		}
		keller, err := capture("Hanna", "Keller", "hanna@keller-optik.example", "Keller Optik GmbH", "DE")
		if err != nil {
			return err
		}
		if err := deal(keller, "commit", "48000.00", "EUR", leadrouter.OppWon, "Signed for three years."); err != nil {
			return fmt.Errorf("demo lead Keller Optik: %w", err)
		}
		huber, err := capture("Lukas", "Huber", "lukas@huber-holz.example", "Huber Holz AG", "AT")
		if err != nil {
			return err
		}
		if err := deal(huber, "negotiation", "12500.00", "EUR", leadrouter.OppLost, "Chose a competitor's cheaper offer."); err != nil {
			return fmt.Errorf("demo lead Huber Holz: %w", err)
		}
		return nil
	}()
	m.DB.Now = now
	if err != nil {
		return err
	}
	// Brussels let Antwerp Chemicals lapse days ago: the job does now
	// what it would have done then.
	if _, err := m.Assignments.LapseDue(ctx); err != nil {
		return err
	}
	// Today's: Kaffee Haus accepted, Vogel Bau declined and routed on.
	byEmail := map[string]leadrouter.Lead{}
	page, _, err := m.Lookup.Leads(ctx, leadrouter.System, leadrouter.LeadFilter{Limit: 500})
	if err != nil {
		return err
	}
	for _, l := range page.Items {
		byEmail[l.Email] = l
	}
	if _, err := accept(byEmail["jonas@kaffee-haus.example"]); err != nil {
		return fmt.Errorf("demo lead Kaffee Haus: %w", err)
	}
	a, err := pending(byEmail["lena@vogel-bau.example"].ID)
	if err != nil {
		return err
	}
	_, err = m.Assignments.Decline(ctx, ids.PartnerUser(a.PartnerID), a.ID, assignment.DeclineInput{Reason: "no_capacity",
		Note: "Both consultants are booked until the end of the quarter."})
	return err
}
