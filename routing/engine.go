package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// Input is one lead to route: the domain lead and the facts routing needs
// beyond its fields. Of the lead, routing reads Country (ISO alpha-2, any
// case), Source, FormKind, Title, CompanySize (0: unknown), Responses and
// CreditedPartnerID; ID and Company name it in reports. The lead's own
// Score is not read: what it earned outside the policy is
// Facts.OutsideScore.
type Input struct {
	leadrouter.Lead
	Facts
}

// Facts is what routing knows of a lead beyond its own fields: what it
// matched and who must not have it.
type Facts struct {
	// OutsideScore is points earned outside the policy (such as a
	// marketing automation score); the policy's scoring adds to it.
	OutsideScore int
	// AccountOwnerPartnerID is the partner owning the matched account or
	// any account in its hierarchy, if any.
	AccountOwnerPartnerID string
	// DuplicateOfLeadID is the open lead this one is a response to.
	DuplicateOfLeadID string
	// DuplicateOwner is the owner of that open lead.
	DuplicateOwner leadrouter.Owner
	// Exclude lists partners (or users) that must not get the lead: a
	// reassignment re-runs routing without the one giving the lead up;
	// capture passes over the crediting partner of a self-referral.
	Exclude []string
	// ExcludeReasons says, by id, why an excluded partner or user may not
	// have the lead, for the trace; an id without one gave the lead up.
	ExcludeReasons map[string]string
	// Day (YYYY-MM-DD) is when the lead arrived; only Simulate reads it,
	// to start daily caps afresh each day.
	Day string
}

// Route applies the policy to a lead and returns the decision with a
// trace of every rule considered, in order. Round-robin positions and
// daily counts are read and advanced through rot.
func Route(ctx context.Context, p *Policy, dir Directory, lead Input, rot Rotation) (leadrouter.Decision, error) {
	if p == nil || rot == nil {
		return leadrouter.Decision{}, errors.New("routing: Route needs a policy and a rotation")
	}
	e := engine{policy: p, dir: dir.indexed(), nurtureQueue: dir.VendorNurtureQueue, rot: rot, trace: true}
	return e.route(ctx, &lead)
}

// RouteExcluding is Route without the given partners or users: what a
// reassignment runs when a partner gives a lead up.
func RouteExcluding(ctx context.Context, p *Policy, dir Directory, lead Input, rot Rotation, exclude ...string) (leadrouter.Decision, error) {
	lead.Exclude = append(slices.Clip(lead.Exclude), exclude...)
	return Route(ctx, p, dir, lead, rot)
}

// engine routes leads with one policy and directory.
type engine struct {
	policy       *Policy
	dir          *dirIndex
	nurtureQueue string
	rot          Rotation
	trace        bool // build leadrouter.Decision.Trace (Simulate does not)
}

// leadView is a lead with its country looked up once.
type leadView struct {
	*Input
	country       int    // country index, -1 when not a two-letter code
	countryCode   string // upper case, when country >= 0
	international bool   // known country other than home
}

func (p *Policy) view(l *Input) leadView {
	v := leadView{Input: l, country: countryIndex(strings.TrimSpace(l.Country))}
	if v.country >= 0 {
		v.countryCode = countryCodes[2*v.country : 2*v.country+2]
		v.international = v.country != p.home
	}
	return v
}

// outcome is what an action found.
type outcome struct {
	owner    leadrouter.Owner
	reserved string
	fired    bool
	step     leadrouter.RouteStep
}

func (e *engine) route(ctx context.Context, lead *Input) (leadrouter.Decision, error) {
	p := e.policy
	lv := p.view(lead)
	var d leadrouter.Decision
	d.Score = p.score(&lv, nil)
	d.MQL = d.Score >= p.MQLThreshold()
	d.NurtureTrack = p.track(&lv, d.Score)
	for i := range p.Rules {
		r := &p.Rules[i]
		if failed := r.When.eval(&lv, d.Score); failed != condNone {
			if e.trace {
				d.Trace = append(d.Trace, leadrouter.RouteStep{Rule: r.ID, Reason: r.When.reason(failed, &lv, d.Score, p.HomeCountry)})
			}
			continue
		}
		out, err := e.act(ctx, r, &lv)
		if err != nil {
			return d, fmt.Errorf("routing rule %s: %w", r.ID, err)
		}
		out.step.Rule, out.step.Matched = r.ID, true
		if !out.fired && r.fallthroughQueue != "" {
			out.owner, out.fired = leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: r.fallthroughQueue}, true
			if e.trace {
				out.step.Reason += "; the lead waits in queue " + r.fallthroughQueue + " (fallthrough)"
				out.step.Chosen = r.fallthroughQueue
			}
		} else if !out.fired && e.trace {
			out.step.Reason += "; trying the next rule"
		}
		out.step.Fired = out.fired
		if e.trace {
			d.Trace = append(d.Trace, out.step)
		}
		if out.fired {
			d.Rule, d.Owner, d.ReservedPartnerID = r.ID, out.owner, out.reserved
			return d, nil
		}
	}
	d.Rule, d.Owner = NoRule, leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: p.DefaultQueue}
	if e.trace {
		d.Trace = append(d.Trace, leadrouter.RouteStep{Rule: NoRule, Fired: true, Chosen: p.DefaultQueue,
			Reason: "no rule assigned the lead: it waits in the default queue " + p.DefaultQueue})
	}
	return d, nil
}

// act carries out a rule whose conditions hold.
func (e *engine) act(ctx context.Context, r *Rule, lv *leadView) (outcome, error) {
	switch r.Action {
	case ActionKeepOwner:
		return e.keepOwner(lv), nil
	case ActionReservePID:
		return e.reservePID(r, lv), nil
	case ActionAssignAccountPartner:
		return e.accountPartner(lv), nil
	case ActionAssignTerritory:
		return e.assignTerritory(ctx, r, lv)
	case ActionAssignQueue:
		return e.assignQueue(ctx, r, lv)
	}
	return outcome{}, fmt.Errorf("unknown action %q", r.Action)
}

func (e *engine) keepOwner(lv *leadView) outcome {
	switch {
	case lv.DuplicateOfLeadID == "":
		return e.nobody("the lead is not a response to an open lead")
	case (lv.DuplicateOwner.Kind == "" || lv.DuplicateOwner.ID == "") && !e.trace:
		return outcome{}
	case lv.DuplicateOwner.Kind == "" || lv.DuplicateOwner.ID == "":
		return e.nobody("the owner of open lead " + lv.DuplicateOfLeadID + " is not known")
	}
	out := outcome{owner: lv.DuplicateOwner, fired: true}
	if e.trace {
		out.step = leadrouter.RouteStep{Chosen: lv.DuplicateOwner.ID,
			Reason: "a response to open lead " + lv.DuplicateOfLeadID + ": it keeps its owner " + ownerString(lv.DuplicateOwner)}
	}
	return out
}

func (e *engine) reservePID(r *Rule, lv *leadView) outcome {
	if lv.CreditedPartnerID == "" {
		return e.nobody("no partner is credited with the lead (no PID)")
	}
	pt, skipped := e.single(lv.CreditedPartnerID, lv)
	if skipped != "" {
		return e.skippedOnly(pt, lv.CreditedPartnerID, "the credited partner", skipped)
	}
	queue := cmp.Or(r.Queue, e.nurtureQueue, DefaultNurtureQueue)
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: queue}, reserved: pt.ID, fired: true}
	if e.trace {
		out.step = leadrouter.RouteStep{Chosen: queue, Candidates: []leadrouter.RouteCandidate{{ID: pt.ID, Name: pt.Name}},
			Reason: "partner " + pt.Name + " (PID " + string(pt.PID) + ") is credited: vendor marketing nurtures the lead in queue " +
				queue + ", reserved for " + pt.Name + " when it converts"}
	}
	return out
}

func (e *engine) accountPartner(lv *leadView) outcome {
	if lv.AccountOwnerPartnerID == "" {
		return e.nobody("no partner owns the lead's account or any account in its hierarchy")
	}
	pt, skipped := e.single(lv.AccountOwnerPartnerID, lv)
	if skipped != "" {
		return e.skippedOnly(pt, lv.AccountOwnerPartnerID, "the account's owner", skipped)
	}
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: pt.ID, PartnerID: pt.ID}, fired: true}
	if e.trace {
		out.step = leadrouter.RouteStep{Chosen: pt.ID, Candidates: []leadrouter.RouteCandidate{{ID: pt.ID, Name: pt.Name}},
			Reason: "the lead's account (or another account in its hierarchy) is owned by " + pt.Name}
	}
	return out
}

// single looks up the one candidate of reserve_pid and
// assign_account_partner and says why it is skipped, if it is.
func (e *engine) single(id string, lv *leadView) (*leadrouter.Partner, string) {
	pt := e.dir.partner(id)
	switch {
	case pt == nil:
		return nil, "not in the partner directory"
	case !active(pt):
		return pt, "suspended"
	case slices.Contains(lv.Exclude, pt.ID):
		return pt, lv.excludedReason(pt.ID, "it gave the lead up")
	}
	return pt, ""
}

// excludedReason is the trace's word for an excluded candidate: its reason
// from ExcludeReasons, else dflt.
func (l *Input) excludedReason(id, dflt string) string {
	if why := l.ExcludeReasons[id]; why != "" {
		return "excluded (" + why + ")"
	}
	return "excluded (" + dflt + ")"
}

func (e *engine) name(pt *leadrouter.Partner, id string) string {
	if pt == nil || pt.Name == "" {
		return id
	}
	return pt.Name
}

func (e *engine) nobody(reason string) outcome {
	if !e.trace {
		return outcome{}
	}
	return outcome{step: leadrouter.RouteStep{Reason: reason}}
}

// skippedOnly is the outcome of a rule whose one candidate is skipped.
func (e *engine) skippedOnly(pt *leadrouter.Partner, id, who, skipped string) outcome {
	if !e.trace {
		return outcome{}
	}
	c := leadrouter.RouteCandidate{ID: id, Skipped: skipped}
	if pt != nil {
		c.Name = pt.Name
	}
	return outcome{step: leadrouter.RouteStep{Reason: who + " " + e.name(pt, id) + " is " + skipped, Candidates: []leadrouter.RouteCandidate{c}}}
}

// ownerString is an owner as "kind:id", for traces and reports.
func ownerString(o leadrouter.Owner) string { return string(o.Kind) + ":" + o.ID }
