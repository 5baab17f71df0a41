package leadrouter

// Decision is the outcome of routing one lead: the routing engine's answer,
// what capture stores, and what explain shows.
type Decision struct {
	// Rule is the id of the policy rule that decided ("default" when none
	// did and the lead went to the default queue).
	Rule string `json:"rule"`
	// Owner is who gets the lead.
	Owner Owner `json:"owner"`
	// ReservedPartnerID is the partner a PID-reserved lead goes to when it
	// converts.
	ReservedPartnerID string `json:"reserved_partner_id"`
	// NurtureTrack is the track the lead enters.
	NurtureTrack string `json:"nurture_track"`
	// Score is the lead's score.
	Score int `json:"score"`
	// MQL is whether the score reaches the policy's MQL threshold.
	MQL bool `json:"mql"`
	// Trace has a step for every rule considered, in order.
	Trace []RouteStep `json:"trace"`
	// PolicyVersion is the stored version of the policy that decided (0:
	// the built-in default or a policy not stored).
	PolicyVersion int64 `json:"-"`
	// Claims are the partners' claims when more than one partner has one
	// (a channel conflict; explain shows them), each with whether it
	// prevailed.
	Claims []Claim `json:"claims,omitempty"`
}

// RouteStep is one rule's part of a decision's trace.
type RouteStep struct {
	// Rule is the rule's id.
	Rule string `json:"rule"`
	// Matched is whether the rule's conditions held.
	Matched bool `json:"matched"`
	// Fired is whether the rule decided the lead.
	Fired bool `json:"fired"`
	// Reason says why, in words: Code and Args rendered (routing.ReasonText).
	Reason string `json:"reason"`
	// Code is the reason's stable code and Args its parameters: what a
	// timeline stores instead of the words.
	Code string   `json:"-"`
	Args []string `json:"-"`
	// Then is what follows the reason when the rule matched and did not
	// fire: "next" (the next rule is tried) or "fallthrough" (the lead
	// waits in the rule's fallthrough queue, Chosen).
	Then string `json:"-"`
	// Candidates are the assignees the rule considered, with why the
	// skipped ones were skipped.
	Candidates []RouteCandidate `json:"candidates,omitempty"`
	// Chosen is the id of the assignee the rule chose.
	Chosen string `json:"chosen,omitempty"`
}

// RouteCandidate is one possible assignee a rule considered.
type RouteCandidate struct {
	ID   string `json:"id"`             // partner or user id
	Name string `json:"name,omitempty"` // partner name
	// Skipped says why the candidate could not have the lead ("suspended",
	// "excluded", "at its daily cap of 5"); empty when it could.
	Skipped string `json:"skipped,omitempty"`
	// SkipCode and SkipArg are Skipped as a stable code and its parameter.
	SkipCode string `json:"-"`
	SkipArg  string `json:"-"`
}
