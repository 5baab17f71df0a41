package routing

import (
	"github.com/leadrouter/leadrouter"
)

// StoredStep is a trace step as a timeline stores it: the rule, the
// reason as a code and its parameters (see ReasonText), and the candidates
// by id with their skip codes; no words and no names. RenderTrace turns
// it back into the step explain showed.
type StoredStep struct {
	Rule    string   `json:"rule"`
	Matched bool     `json:"m,omitempty"`
	Fired   bool     `json:"f,omitempty"`
	Code    string   `json:"code"`
	Args    []string `json:"args,omitempty"`
	Then    string   `json:"then,omitempty"`
	// Candidates are [id], or [id, skip code] or [id, skip code, skip
	// argument] for a skipped one.
	Candidates [][]string `json:"cands,omitempty"`
	Chosen     string     `json:"chosen,omitempty"`
}

// StoreTrace is a decision's trace as a timeline stores it.
func StoreTrace(trace []leadrouter.RouteStep) []StoredStep {
	out := make([]StoredStep, len(trace))
	for i, s := range trace {
		st := StoredStep{Rule: s.Rule, Matched: s.Matched, Fired: s.Fired, Code: s.Code, Args: s.Args, Then: s.Then, Chosen: s.Chosen}
		for _, c := range s.Candidates {
			switch {
			case c.SkipArg != "":
				st.Candidates = append(st.Candidates, []string{c.ID, c.SkipCode, c.SkipArg})
			case c.SkipCode != "":
				st.Candidates = append(st.Candidates, []string{c.ID, c.SkipCode})
			default:
				st.Candidates = append(st.Candidates, []string{c.ID})
			}
		}
		out[i] = st
	}
	return out
}

// TracePartnerIDs lists the partners a stored trace names (candidates and
// reasons), whose names RenderTrace needs.
func TracePartnerIDs(steps []StoredStep) []string {
	var ids []string
	for _, s := range steps {
		if i := partnerArg(s.Code); i >= 0 && i < len(s.Args) {
			ids = append(ids, s.Args[i])
		}
		for _, c := range s.Candidates {
			if len(c) > 0 {
				ids = append(ids, c[0])
			}
		}
	}
	return ids
}

// partnerArg is the index of the argument of reason code that names a
// partner shown by name, or -1.
func partnerArg(code string) int {
	switch code {
	case ReasonPIDReserved, ReasonAccountPartner:
		return 0
	case ReasonSingleSkipped:
		return 1
	case ReasonTerritoryPick:
		return 4
	}
	return -1
}

// RenderTrace turns a stored trace back into the steps with their words,
// as the decision had them; name gives a partner's name by id (false for
// an id that is no partner's, such as a queue user's).
func RenderTrace(steps []StoredStep, name func(id string) (string, bool)) []leadrouter.RouteStep {
	nameOrID := func(id string) string {
		if n, ok := name(id); ok && n != "" {
			return n
		}
		return id
	}
	out := make([]leadrouter.RouteStep, len(steps))
	for i, st := range steps {
		s := leadrouter.RouteStep{Rule: st.Rule, Matched: st.Matched, Fired: st.Fired, Code: st.Code, Args: st.Args, Then: st.Then, Chosen: st.Chosen}
		s.Reason = StepText(s, nameOrID)
		for _, c := range st.Candidates {
			if len(c) == 0 {
				continue
			}
			rc := leadrouter.RouteCandidate{ID: c[0]}
			if n, ok := name(c[0]); ok {
				rc.Name = n
			}
			if len(c) > 1 {
				arg := ""
				if len(c) > 2 {
					arg = c[2]
				}
				rc.SkipCode, rc.SkipArg, rc.Skipped = c[1], arg, SkipText(c[1], arg)
			}
			s.Candidates = append(s.Candidates, rc)
		}
		out[i] = s
	}
	return out
}
