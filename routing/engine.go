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
				code, args := r.When.reason(failed, &lv, d.Score, p.HomeCountry)
				st := e.step(code, args...)
				st.Rule = r.ID
				d.Trace = append(d.Trace, st)
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
				out.step.Chosen, out.step.Then = r.fallthroughQueue, ThenFallthrough
				out.step.Reason = StepText(out.step, e.dir.nameOf)
			}
		} else if !out.fired && e.trace {
			out.step.Then = ThenNext
			out.step.Reason = StepText(out.step, e.dir.nameOf)
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
		st := e.step(ReasonDefaultQueue, p.DefaultQueue)
		st.Rule, st.Fired, st.Chosen = NoRule, true, p.DefaultQueue
		d.Trace = append(d.Trace, st)
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
		return e.nobody(ReasonNotResponse)
	case (lv.DuplicateOwner.Kind == "" || lv.DuplicateOwner.ID == "") && !e.trace:
		return outcome{}
	case lv.DuplicateOwner.Kind == "" || lv.DuplicateOwner.ID == "":
		return e.nobody(ReasonOwnerUnknown, lv.DuplicateOfLeadID)
	}
	out := outcome{owner: lv.DuplicateOwner, fired: true}
	if e.trace {
		out.step = e.step(ReasonKeepsOwner, lv.DuplicateOfLeadID, ownerString(lv.DuplicateOwner))
		out.step.Chosen = lv.DuplicateOwner.ID
	}
	return out
}

func (e *engine) reservePID(r *Rule, lv *leadView) outcome {
	if lv.CreditedPartnerID == "" {
		return e.nobody(ReasonNoPID)
	}
	pt, skipped, skipArg := e.single(lv.CreditedPartnerID, lv)
	if skipped != "" {
		return e.skippedOnly(pt, lv.CreditedPartnerID, singleWhoCredited, skipped, skipArg)
	}
	queue := cmp.Or(r.Queue, e.nurtureQueue, DefaultNurtureQueue)
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: queue}, reserved: pt.ID, fired: true}
	if e.trace {
		out.step = e.step(ReasonPIDReserved, pt.ID, string(pt.PID), queue)
		out.step.Chosen, out.step.Candidates = queue, []leadrouter.RouteCandidate{{ID: pt.ID, Name: pt.Name}}
	}
	return out
}

func (e *engine) accountPartner(lv *leadView) outcome {
	if lv.AccountOwnerPartnerID == "" {
		return e.nobody(ReasonNoAccountOwner)
	}
	pt, skipped, skipArg := e.single(lv.AccountOwnerPartnerID, lv)
	if skipped != "" {
		return e.skippedOnly(pt, lv.AccountOwnerPartnerID, singleWhoAccountOwner, skipped, skipArg)
	}
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: pt.ID, PartnerID: pt.ID}, fired: true}
	if e.trace {
		out.step = e.step(ReasonAccountPartner, pt.ID)
		out.step.Chosen, out.step.Candidates = pt.ID, []leadrouter.RouteCandidate{{ID: pt.ID, Name: pt.Name}}
	}
	return out
}

// single looks up the one candidate of reserve_pid and
// assign_account_partner and says why it is skipped (a skip code and its
// argument), if it is.
func (e *engine) single(id string, lv *leadView) (*leadrouter.Partner, string, string) {
	pt := e.dir.partner(id)
	switch {
	case pt == nil:
		return nil, SkipNotInDirectory, ""
	case !active(pt):
		return pt, SkipSuspended, ""
	case slices.Contains(lv.Exclude, pt.ID):
		return pt, SkipExcluded, lv.excludedWhy(pt.ID, "it gave the lead up")
	}
	return pt, "", ""
}

// excludedWhy is why a candidate is excluded: its reason from
// ExcludeReasons, else dflt.
func (l *Input) excludedWhy(id, dflt string) string {
	if why := l.ExcludeReasons[id]; why != "" {
		return why
	}
	return dflt
}

// skip marks c skipped for code (and its argument).
func skip(c *leadrouter.RouteCandidate, code, arg string) {
	c.SkipCode, c.SkipArg, c.Skipped = code, arg, SkipText(code, arg)
}

// step is a trace step giving a reason: its code, arguments and words.
func (e *engine) step(code string, args ...string) leadrouter.RouteStep {
	s := leadrouter.RouteStep{Code: code, Args: args}
	s.Reason = ReasonText(code, args, e.dir.nameOf)
	return s
}

func (e *engine) nobody(code string, args ...string) outcome {
	if !e.trace {
		return outcome{}
	}
	return outcome{step: e.step(code, args...)}
}

// skippedOnly is the outcome of a rule whose one candidate is skipped.
func (e *engine) skippedOnly(pt *leadrouter.Partner, id, who, skipCode, skipArg string) outcome {
	if !e.trace {
		return outcome{}
	}
	c := leadrouter.RouteCandidate{ID: id}
	skip(&c, skipCode, skipArg)
	if pt != nil {
		c.Name = pt.Name
	}
	out := outcome{step: e.step(ReasonSingleSkipped, who, id, skipCode, skipArg)}
	out.step.Candidates = []leadrouter.RouteCandidate{c}
	return out
}

// ownerString is an owner as "kind:id", for traces and reports.
func ownerString(o leadrouter.Owner) string { return string(o.Kind) + ":" + o.ID }
