package routing

import (
	"encoding/json"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

// StoredStep is a trace step as a timeline stores it: the rule, the
// reason as a code and its parameters (see ReasonText), and the candidates
// by id with their skip codes; no words and no names. RenderTrace turns
// it back into the step explain showed. In JSON it is an array, trailing
// empty values left out: [rule, code, flags (1 matched, 2 fired), args,
// chosen, then, candidates].
type StoredStep struct {
	Rule    string
	Matched bool
	Fired   bool
	Code    string
	Args    []string
	Then    string
	// Candidates are [id], or [id, skip code] or [id, skip code, skip
	// argument] for a skipped one.
	Candidates [][]string
	Chosen     string
}

// MarshalJSON writes the step as an array (see StoredStep).
func (s StoredStep) MarshalJSON() ([]byte, error) {
	flags := 0
	if s.Matched {
		flags |= 1
	}
	if s.Fired {
		flags |= 2
	}
	fields := []any{s.Rule, s.Code, flags, s.Args, s.Chosen, s.Then, s.Candidates}
	empty := func(v any) bool {
		switch t := v.(type) {
		case string:
			return t == ""
		case int:
			return t == 0
		case []string:
			return len(t) == 0
		case [][]string:
			return len(t) == 0
		}
		return false
	}
	n := len(fields)
	for n > 2 && empty(fields[n-1]) {
		n--
	}
	return json.Marshal(fields[:n])
}

// UnmarshalJSON reads the array MarshalJSON writes.
func (s *StoredStep) UnmarshalJSON(b []byte) error {
	var fields []json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	var flags int
	targets := []any{&s.Rule, &s.Code, &flags, &s.Args, &s.Chosen, &s.Then, &s.Candidates}
	if len(fields) > len(targets) {
		return fmt.Errorf("a stored trace step has %d fields", len(fields))
	}
	for i, raw := range fields {
		if err := json.Unmarshal(raw, targets[i]); err != nil {
			return fmt.Errorf("stored trace step: %w", err)
		}
	}
	s.Matched, s.Fired = flags&1 != 0, flags&2 != 0
	return nil
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
