package routing

import (
	"context"
	"slices"
	"strconv"

	"github.com/leadrouter/leadrouter"
)

// The actions that rotate among candidates: assign_territory and
// assign_queue, with their daily caps.

// capOf is the daily cap that applies to a partner under rule r, and the
// key its count is kept under.
func capOf(r *Rule, pt *leadrouter.Partner) (int, string) {
	if r.DailyCap > 0 {
		return r.DailyCap, r.capKey
	}
	if pt != nil && pt.DailyCap > 0 {
		return pt.DailyCap, PartnerCapKey
	}
	return 0, ""
}

// record counts an assignment under every cap that watches it.
func (e *engine) record(ctx context.Context, r *Rule, pt *leadrouter.Partner, id string) error {
	if r.DailyCap > 0 {
		if err := e.rot.Record(ctx, r.capKey, id); err != nil {
			return err
		}
	}
	if pt != nil && pt.DailyCap > 0 {
		return e.rot.Record(ctx, PartnerCapKey, id)
	}
	return nil
}

// checkAssignee is the check of pick: may assignee id have the lead?
func (e *engine) checkAssignee(ctx context.Context, r *Rule, lv *leadView, pt *leadrouter.Partner, id string) (uint8, error) {
	if slices.Contains(lv.Exclude, id) {
		return stExcluded, nil
	}
	if len(r.TierIn) > 0 && (pt == nil || !slices.Contains(r.TierIn, pt.Tier)) {
		return stOtherTier, nil
	}
	if limit, key := capOf(r, pt); limit > 0 {
		n, err := e.rot.AssignedToday(ctx, key, id)
		if err != nil {
			return stUnknown, err
		}
		if n >= limit {
			return stCapped, nil
		}
	}
	return stEligible, nil
}

// skipReason says why candidate id (in state) could not have lead lv: a
// skip code and its argument.
func skipReason(state uint8, limit int, lv *leadView, id string) (string, string) {
	switch state {
	case stExcluded:
		return SkipExcluded, lv.excludedWhy(id, "gave the lead up")
	case stCapped:
		return SkipCapped, strconv.Itoa(limit)
	case stOtherTier:
		return SkipOtherTier, ""
	}
	return "", ""
}

func (e *engine) assignTerritory(ctx context.Context, r *Rule, lv *leadView) (outcome, error) {
	var t *territory
	if lv.country >= 0 {
		t = e.dir.territory[lv.country]
	}
	if t == nil || len(t.active) == 0 {
		switch {
		case !e.trace:
			return outcome{}, nil
		case lv.country < 0:
			return e.nobody(ReasonCountryUnknownTerr, lv.Country), nil
		case t == nil:
			return e.nobody(ReasonNoTerritory, lv.countryCode), nil
		}
		out := e.nobody(ReasonNoActiveTerritory, lv.countryCode)
		out.step.Candidates = e.territoryCandidates(r, lv, t, nil, -1)
		return out, nil
	}
	var buf [64]uint8
	state := states(&buf, len(t.active))
	var seq []int32
	if r.Strategy == StrategyWeighted {
		seq = t.weighted
	}
	chosen, pos, err := pick(ctx, e.rot, r.territoryKey(lv.country), len(t.active), seq, state, func(i int) (uint8, error) {
		pt := &e.dir.partners[t.active[i]]
		return e.checkAssignee(ctx, r, lv, pt, pt.ID)
	})
	if err != nil {
		return outcome{}, err
	}
	if chosen < 0 {
		if !e.trace {
			return outcome{}, nil
		}
		out := e.nobody(ReasonTerritoryAllSkipped, lv.countryCode)
		out.step.Candidates = e.territoryCandidates(r, lv, t, state, -1)
		return out, nil
	}
	pt := &e.dir.partners[t.active[chosen]]
	if err := e.record(ctx, r, pt, pt.ID); err != nil {
		return outcome{}, err
	}
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: pt.ID, PartnerID: pt.ID}, fired: true}
	if e.trace {
		out.step = e.step(ReasonTerritoryPick, lv.countryCode, string(r.Strategy), strconv.Itoa(len(t.active)), strconv.FormatInt(int64(pos), 10), pt.ID)
		out.step.Chosen, out.step.Candidates = pt.ID, e.territoryCandidates(r, lv, t, state, chosen)
	}
	return out, nil
}

// territoryCandidates lists every partner of a territory with why it was
// skipped; state (nil: nothing checked) is indexed like t.active.
func (e *engine) territoryCandidates(r *Rule, lv *leadView, t *territory, state []uint8, chosen int) []leadrouter.RouteCandidate {
	if !e.trace {
		return nil
	}
	out := make([]leadrouter.RouteCandidate, 0, len(t.all))
	j := 0
	for _, pi := range t.all {
		pt := &e.dir.partners[pi]
		c := leadrouter.RouteCandidate{ID: pt.ID, Name: pt.Name}
		if !active(pt) {
			skip(&c, SkipSuspended, "")
		} else {
			if state != nil && j != chosen {
				limit, _ := capOf(r, pt)
				code, arg := skipReason(state[j], limit, lv, pt.ID)
				skip(&c, code, arg)
			}
			j++
		}
		out = append(out, c)
	}
	return out
}

func (e *engine) assignQueue(ctx context.Context, r *Rule, lv *leadView) (outcome, error) {
	users := e.dir.queueUsers[r.Queue]
	queueOwner := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: r.Queue}, fired: true}
	if len(users) == 0 {
		if e.trace {
			queueOwner.step = e.step(ReasonQueueEmpty, r.Queue)
			queueOwner.step.Chosen = r.Queue
		}
		return queueOwner, nil
	}
	var buf [64]uint8
	state := states(&buf, len(users))
	chosen, pos, err := pick(ctx, e.rot, r.positionKey, len(users), nil, state, func(i int) (uint8, error) {
		return e.checkAssignee(ctx, r, lv, nil, users[i])
	})
	if err != nil {
		return outcome{}, err
	}
	var candidates []leadrouter.RouteCandidate
	if e.trace {
		candidates = make([]leadrouter.RouteCandidate, len(users))
		for i, u := range users {
			candidates[i] = leadrouter.RouteCandidate{ID: u}
			if i != chosen {
				code, arg := skipReason(state[i], r.DailyCap, lv, u)
				skip(&candidates[i], code, arg)
			}
		}
	}
	if chosen < 0 {
		if e.trace {
			queueOwner.step = e.step(ReasonQueueAllSkipped, r.Queue)
			queueOwner.step.Chosen, queueOwner.step.Candidates = r.Queue, candidates
		}
		return queueOwner, nil
	}
	if err := e.record(ctx, r, nil, users[chosen]); err != nil {
		return outcome{}, err
	}
	out := outcome{owner: leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: users[chosen]}, fired: true}
	if e.trace {
		out.step = e.step(ReasonQueuePick, strconv.Itoa(len(users)), r.Queue, strconv.FormatInt(int64(pos), 10))
		out.step.Chosen, out.step.Candidates = users[chosen], candidates
	}
	return out, nil
}
