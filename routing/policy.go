// Package routing owns the routing policy (W4, W5 scoring and nurture) and
// the engine that applies it. It is pure: the policy is parsed from YAML,
// the engine takes a lead, a directory of partners and queues and a
// Rotation (durable in the store, in memory for simulate) and returns a
// decision with a trace of every rule it considered.
package routing

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultPolicyYAML is the built-in policy: SPEC.md's five rules.
//
//go:embed default_policy.yaml
var DefaultPolicyYAML []byte

// Actions a rule may take.
const (
	ActionKeepOwner            = "keep_owner"
	ActionReservePID           = "reserve_pid"
	ActionAssignAccountPartner = "assign_account_partner"
	ActionAssignTerritory      = "assign_territory"
	ActionAssignQueue          = "assign_queue"
)

var actions = []string{ActionKeepOwner, ActionReservePID, ActionAssignAccountPartner, ActionAssignTerritory, ActionAssignQueue}

// Strategies for choosing among several candidates.
const (
	RoundRobin = "round_robin"
	Weighted   = "weighted"
)

// When holds a rule's conditions; all that are set must hold.
type When struct {
	CountryIn             []string `yaml:"country_in"`
	CountryNotIn          []string `yaml:"country_not_in"`
	International         *bool    `yaml:"international"`
	HasPID                *bool    `yaml:"has_pid"`
	AccountOwnedByPartner *bool    `yaml:"account_owned_by_partner"`
	DuplicateOfOpenLead   *bool    `yaml:"duplicate_of_open_lead"`
	SourceIn              []string `yaml:"source_in"`
	FormKindIn            []string `yaml:"form_kind_in"`
	MinScore              *int     `yaml:"min_score"`
	TitleMatches          []string `yaml:"title_matches"`
	CompanySizeMin        *int     `yaml:"company_size_min"`
	CompanySizeMax        *int     `yaml:"company_size_max"`
	ResponsesMin          *int     `yaml:"responses_min"`
}

// Rule is one step of the policy.
type Rule struct {
	ID       string `yaml:"id"`
	When     When   `yaml:"when"`
	Action   string `yaml:"action"`
	Queue    string `yaml:"queue"`
	Strategy string `yaml:"strategy"`
	DailyCap int    `yaml:"daily_cap"`
	Note     string `yaml:"note"`
}

// NurtureRule enrols matching leads in a track.
type NurtureRule struct {
	Track string `yaml:"track"`
	When  When   `yaml:"when"`
}

// ScoreRule gives points when its conditions hold.
type ScoreRule struct {
	Points int    `yaml:"points"`
	When   When   `yaml:"when"`
	Label  string `yaml:"label"`
}

// Scoring is the score model and the MQL threshold.
type Scoring struct {
	Threshold int         `yaml:"threshold"`
	Rules     []ScoreRule `yaml:"rules"`
}

// Policy is a parsed, validated routing policy.
type Policy struct {
	HomeCountry      string        `yaml:"home_country"`
	RegistrationDays int           `yaml:"registration_days"`
	NurtureQueue     string        `yaml:"nurture_queue"`
	Rules            []Rule        `yaml:"rules"`
	Nurture          []NurtureRule `yaml:"nurture"`
	DefaultTrack     string        `yaml:"default_track"`
	Scoring          Scoring       `yaml:"scoring"`

	source []byte
}

// Source returns the YAML the policy was parsed from.
func (p *Policy) Source() []byte { return p.source }

// MQLThreshold is the score at which a lead becomes marketing-qualified.
func (p *Policy) MQLThreshold() int { return p.Scoring.Threshold }

// PolicyError is a policy problem with the line it is on.
type PolicyError struct {
	Line    int
	Field   string
	Message string
}

func (e *PolicyError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("policy line %d: %s: %s", e.Line, e.Field, e.Message)
	}
	return fmt.Sprintf("policy line %d: %s", e.Line, e.Message)
}

// ParsePolicy parses and validates a policy. Unknown keys are errors (a
// typo must not silently pass); every error names its line.
func ParsePolicy(src []byte) (*Policy, error) {
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, &PolicyError{Line: 1, Message: "the policy is empty"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, yamlError(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	p := &Policy{}
	if err := dec.Decode(p); err != nil {
		return nil, yamlError(err)
	}
	p.source = append([]byte(nil), src...)
	if err := p.validate(&root); err != nil {
		return nil, err
	}
	return p, nil
}

// yamlError turns yaml.v3's "yaml: line N: …" messages into PolicyErrors.
func yamlError(err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1
	if strings.HasPrefix(msg, "line ") {
		var n int
		if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr == nil {
			line = n
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
	}
	msg = strings.ReplaceAll(msg, "in type routing.", "in ")
	return &PolicyError{Line: line, Message: msg}
}

// nodeAt finds the value node of key in a mapping node.
func nodeAt(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func lineOf(n *yaml.Node, fallback int) int {
	if n == nil {
		return fallback
	}
	return n.Line
}

func (p *Policy) validate(root *yaml.Node) error {
	if p.HomeCountry == "" {
		p.HomeCountry = "US"
	}
	p.HomeCountry = strings.ToUpper(p.HomeCountry)
	if len(p.HomeCountry) != 2 {
		return &PolicyError{Line: lineOf(nodeAt(root, "home_country"), 1), Field: "home_country", Message: "must be an ISO 3166 alpha-2 code such as US"}
	}
	if p.RegistrationDays == 0 {
		p.RegistrationDays = 90
	}
	if p.RegistrationDays < 1 || p.RegistrationDays > 730 {
		return &PolicyError{Line: lineOf(nodeAt(root, "registration_days"), 1), Field: "registration_days", Message: "must be from 1 to 730"}
	}
	if p.NurtureQueue == "" {
		p.NurtureQueue = "marketing-nurture"
	}
	if p.DefaultTrack == "" {
		p.DefaultTrack = "general"
	}
	rulesNode := nodeAt(root, "rules")
	if len(p.Rules) == 0 {
		return &PolicyError{Line: lineOf(rulesNode, 1), Field: "rules", Message: "the policy needs at least one rule"}
	}
	seen := map[string]int{}
	for i := range p.Rules {
		r := &p.Rules[i]
		var rn *yaml.Node
		if rulesNode != nil && i < len(rulesNode.Content) {
			rn = rulesNode.Content[i]
		}
		line := lineOf(rn, 1)
		field := fmt.Sprintf("rules[%d]", i)
		fail := func(key, msg string) error {
			return &PolicyError{Line: lineOf(nodeAt(rn, key), line), Field: field + "." + key, Message: msg}
		}
		if r.ID == "" {
			return fail("id", "every rule needs an id")
		}
		if prev, dup := seen[r.ID]; dup {
			return fail("id", fmt.Sprintf("id %q is already used by rules[%d]", r.ID, prev))
		}
		seen[r.ID] = i
		if !contains(actions, r.Action) {
			return fail("action", fmt.Sprintf("unknown action %q (want one of: %s)", r.Action, strings.Join(actions, ", ")))
		}
		if r.Action == ActionAssignQueue && r.Queue == "" {
			return fail("queue", "assign_queue needs a queue (e.g. inside-sales)")
		}
		if r.Action != ActionAssignQueue && r.Queue != "" {
			return fail("queue", "only assign_queue takes a queue")
		}
		if r.Strategy == "" {
			r.Strategy = RoundRobin
		}
		if r.Strategy != RoundRobin && r.Strategy != Weighted {
			return fail("strategy", fmt.Sprintf("unknown strategy %q (want round_robin or weighted)", r.Strategy))
		}
		if r.DailyCap < 0 {
			return fail("daily_cap", "must not be negative")
		}
		if err := r.When.validate(nodeAt(rn, "when"), field+".when", line); err != nil {
			return err
		}
		r.When.normalise()
	}
	nurtureNode := nodeAt(root, "nurture")
	for i := range p.Nurture {
		var nn *yaml.Node
		if nurtureNode != nil && i < len(nurtureNode.Content) {
			nn = nurtureNode.Content[i]
		}
		if p.Nurture[i].Track == "" {
			return &PolicyError{Line: lineOf(nn, 1), Field: fmt.Sprintf("nurture[%d].track", i), Message: "every nurture entry needs a track"}
		}
		if err := p.Nurture[i].When.validate(nodeAt(nn, "when"), fmt.Sprintf("nurture[%d].when", i), lineOf(nn, 1)); err != nil {
			return err
		}
		p.Nurture[i].When.normalise()
	}
	scoringNode := nodeAt(root, "scoring")
	if p.Scoring.Threshold < 0 {
		return &PolicyError{Line: lineOf(nodeAt(scoringNode, "threshold"), 1), Field: "scoring.threshold", Message: "must not be negative"}
	}
	if p.Scoring.Threshold == 0 {
		p.Scoring.Threshold = 50
	}
	scoreRules := nodeAt(scoringNode, "rules")
	for i := range p.Scoring.Rules {
		var sn *yaml.Node
		if scoreRules != nil && i < len(scoreRules.Content) {
			sn = scoreRules.Content[i]
		}
		if p.Scoring.Rules[i].Points == 0 {
			return &PolicyError{Line: lineOf(sn, 1), Field: fmt.Sprintf("scoring.rules[%d].points", i), Message: "must not be zero"}
		}
		if err := p.Scoring.Rules[i].When.validate(nodeAt(sn, "when"), fmt.Sprintf("scoring.rules[%d].when", i), lineOf(sn, 1)); err != nil {
			return err
		}
		p.Scoring.Rules[i].When.normalise()
	}
	return nil
}

func (w *When) validate(n *yaml.Node, field string, line int) error {
	check := func(key string, codes []string) error {
		for _, c := range codes {
			if len(strings.TrimSpace(c)) != 2 {
				return &PolicyError{Line: lineOf(nodeAt(n, key), line), Field: field + "." + key, Message: fmt.Sprintf("%q is not an ISO 3166 alpha-2 country code", c)}
			}
		}
		return nil
	}
	if err := check("country_in", w.CountryIn); err != nil {
		return err
	}
	if err := check("country_not_in", w.CountryNotIn); err != nil {
		return err
	}
	for _, s := range w.SourceIn {
		if !contains([]string{"web_form", "call", "email", "import", "event", "webinar", "partner_registration", "api"}, s) {
			return &PolicyError{Line: lineOf(nodeAt(n, "source_in"), line), Field: field + ".source_in", Message: fmt.Sprintf("unknown source %q", s)}
		}
	}
	for _, k := range w.FormKindIn {
		if !contains([]string{"gated_offer", "demo_request", "contact", "event"}, k) {
			return &PolicyError{Line: lineOf(nodeAt(n, "form_kind_in"), line), Field: field + ".form_kind_in", Message: fmt.Sprintf("unknown form kind %q", k)}
		}
	}
	if w.CompanySizeMin != nil && w.CompanySizeMax != nil && *w.CompanySizeMin > *w.CompanySizeMax {
		return &PolicyError{Line: lineOf(nodeAt(n, "company_size_max"), line), Field: field + ".company_size_max", Message: "is below company_size_min"}
	}
	return nil
}

func (w *When) normalise() {
	for i := range w.CountryIn {
		w.CountryIn[i] = strings.ToUpper(strings.TrimSpace(w.CountryIn[i]))
	}
	for i := range w.CountryNotIn {
		w.CountryNotIn[i] = strings.ToUpper(strings.TrimSpace(w.CountryNotIn[i]))
	}
	for i := range w.TitleMatches {
		w.TitleMatches[i] = strings.ToLower(w.TitleMatches[i])
	}
	sort.Strings(w.CountryIn)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
