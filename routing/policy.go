package routing

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadrouter/leadrouter"
)

// DefaultPolicyYAML is the built-in policy: SPEC.md's five rules
// (duplicate, pid, account-owner, international, default), nurture tracks
// and a scoring model, commented for operations.
//
//go:embed default_policy.yaml
var DefaultPolicyYAML []byte

// defaultPolicy is DefaultPolicyYAML parsed, once (it is embedded, so it
// never changes; default_policy_test.go proves it parses).
var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := ParsePolicy(DefaultPolicyYAML)
	if err != nil {
		panic("routing: the built-in policy does not parse: " + err.Error())
	}
	return p
})

// DefaultPolicy returns the built-in policy, parsed once; callers must not
// change it.
func DefaultPolicy() *Policy { return defaultPolicy() }

// Actions a rule may take.
const (
	ActionKeepOwner            = "keep_owner"
	ActionReservePID           = "reserve_pid"
	ActionAssignAccountPartner = "assign_account_partner"
	ActionAssignTerritory      = "assign_territory"
	ActionAssignQueue          = "assign_queue"
)

// Strategies for choosing among several candidates.
const (
	StrategyRoundRobin = "round_robin"
	StrategyWeighted   = "weighted"
)

// Defaults of a policy that leaves them out.
const (
	DefaultHomeCountry      = "US"
	DefaultRegistrationDays = 90
	DefaultQueue            = "inside-sales"
	DefaultNurtureQueue     = "marketing-nurture"
	DefaultTrack            = "general"
	DefaultThreshold        = 50
)

// FallthroughNext is the default fallthrough: try the next rule.
const FallthroughNext = "next"

// NoRule is leadrouter.Decision.Rule when no rule assigned the lead and it went to
// the policy's default queue.
const NoRule = "none"

var (
	actions    = []string{ActionKeepOwner, ActionReservePID, ActionAssignAccountPartner, ActionAssignTerritory, ActionAssignQueue}
	strategies = []string{StrategyRoundRobin, StrategyWeighted}
	policyKeys = []string{"home_country", "registration_days", "default_queue", "rules", "nurture", "default_track", "scoring",
		"respond_within", "tiers", "decline_reasons", "deal_stages", "stale_after", "precedence"}
	ruleKeys = []string{"id", "description", "when", "action", "queue", "strategy", "daily_cap", "fallthrough", "respond_within", "tier_in"}
	tierKeys = []string{"respond_within", "weight"}
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// Policy is a parsed, validated routing policy. Treat it as read-only: the
// engine relies on lookups computed when it was parsed.
type Policy struct {
	// HomeCountry is the vendor's own market (ISO alpha-2, default US).
	HomeCountry string
	// RegistrationDays is how long an approved prospect registration lasts.
	RegistrationDays int
	// DefaultQueue receives a lead that no rule assigned.
	DefaultQueue string
	// Rules are tried in order; the first that finds an assignee decides.
	Rules []Rule
	// Nurture chooses a lead's nurture track: the first entry that holds.
	Nurture []NurtureRule
	// DefaultTrack is the track when no nurture entry holds.
	DefaultTrack string
	// Scoring is the score model and the MQL threshold.
	Scoring Scoring
	// RespondWithin is how long a partner has to accept or decline a lead
	// routed or an opportunity handed off to it (default 2 business
	// days); a rule's or the partner tier's respond_within overrides it.
	RespondWithin leadrouter.ResponseTime
	// Tiers holds settings per partner tier (the partner's tier field).
	Tiers map[string]Tier
	// DeclineReasons are the reason codes a partner declines with.
	DeclineReasons []string
	// DealStages are the stages a partner reports a deal in.
	DealStages []string
	// StaleAfter is how long a handed-off deal may go without an update
	// before its partner is nudged (default 30 days).
	StaleAfter time.Duration
	// Precedence orders the claims of partners on one lead (W14): the
	// first kind with a claim decides the owner (default registration,
	// pid, account_owner).
	Precedence []leadrouter.ClaimKind

	source []byte
	home   int
}

// Rule is one step of the policy.
type Rule struct {
	// ID names the rule in decisions, traces and rotation keys.
	ID string
	// Description is free text for people.
	Description string
	// When holds the conditions; all must hold for the rule to act.
	When When
	// Action is one of the Action… constants.
	Action string
	// Queue is the queue of assign_queue, or the owning queue of
	// reserve_pid (default: the directory's vendor nurture queue).
	Queue string
	// Strategy chooses among several candidates: round_robin or weighted.
	Strategy string
	// DailyCap, when set, is how many leads this rule gives any one
	// assignee a day (overriding partners' own caps).
	DailyCap int
	// Fallthrough is what happens when the rule finds nobody: "next" (try
	// the next rule) or "queue:NAME" (the lead waits in queue NAME).
	Fallthrough string

	// RespondWithin, when set, is this rule's response time for the
	// partners it assigns (overrides the tier's and the policy's).
	RespondWithin leadrouter.ResponseTime
	// TierIn, when set, limits the rule's candidate partners to these
	// tiers.
	TierIn []string

	fallthroughQueue string
	positionKey      string // "rule:ID:" (+ scope)
	territoryKeys    string // every "rule:ID:XX", XX = AA…ZZ, back to back
	capKey           string // "rule:ID"
}

// Tier is the settings of one partner tier: its response time and the
// factor its partners' weights are multiplied by in weighted rotations.
type Tier struct {
	RespondWithin leadrouter.ResponseTime
	Weight        int
}

// Defaults of the partner-answer settings.
const (
	DefaultRespondWithin = "2 business days"
	DefaultStaleAfter    = 30 * 24 * time.Hour
)

// ResponseTime is how long a partner of tier has to answer an assignment
// made by rule ruleID ("" for a hand-off): the rule's respond_within, else
// the tier's, else the policy's.
func (p *Policy) ResponseTime(ruleID, tier string) leadrouter.ResponseTime {
	for _, r := range p.Rules {
		if r.ID == ruleID && !r.RespondWithin.IsZero() {
			return r.RespondWithin
		}
	}
	if t, ok := p.Tiers[tier]; ok && !t.RespondWithin.IsZero() {
		return t.RespondWithin
	}
	return p.RespondWithin
}

// TierWeight is the factor tier's partners' weights are multiplied by (1
// when the policy sets none).
func (p *Policy) TierWeight(tier string) int {
	if t, ok := p.Tiers[tier]; ok && t.Weight > 0 {
		return t.Weight
	}
	return 1
}

// NurtureRule enrols leads for which When holds in Track.
type NurtureRule struct {
	Track string // the track's name
	When  When   // the conditions; none means every lead
}

// ScoreRule adds Points (may be negative) when When holds.
type ScoreRule struct {
	Label  string // for people; defaults to a summary of When
	Points int    // -1000 to 1000, not 0
	When   When   // the conditions; none means every lead
}

// Scoring is the score model: the sum of the points of every rule that
// holds (never below zero); a lead at Threshold or above is an MQL.
type Scoring struct {
	Threshold int         // the MQL threshold (default 50)
	Rules     []ScoreRule // every rule that holds adds its points
}

// MQLThreshold is the score at which a lead becomes marketing-qualified.
func (p *Policy) MQLThreshold() int { return p.Scoring.Threshold }

// YAML returns the source the policy was parsed from, to print or store.
func (p *Policy) YAML() []byte { return bytes.Clone(p.source) }

// Bounds on what ParsePolicy accepts.
const (
	maxPolicySize = 1 << 20
	maxEntries    = 1000 // rules, nurture tracks, scoring rules
)

// ParsePolicy parses and validates a policy. Unknown keys are errors (a
// typo must not pass silently). On failure the error is PolicyErrors,
// listing every problem found with its line.
func ParsePolicy(src []byte) (*Policy, error) {
	if len(src) > maxPolicySize {
		return nil, PolicyErrors{{Line: 1, Message: fmt.Sprintf("the policy is %d bytes; at most %d are accepted", len(src), maxPolicySize)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, PolicyErrors{{Line: 1, Message: "the policy is empty (want at least: rules)"}}
		}
		return nil, PolicyErrors{syntaxError(src, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, PolicyErrors{{Line: max(extra.Line, 1), Message: "the policy must be a single YAML document (remove the second \"---\")"}}
	} else if !errors.Is(err, io.EOF) {
		return nil, PolicyErrors{syntaxError(src, err)}
	}
	ps := &parser{}
	p := ps.parsePolicy(&doc)
	if len(ps.errs) > 0 || ps.scalars > maxScalars {
		if ps.scalars > maxScalars {
			ps.errs = append(ps.errs, &PolicyError{Line: 1, Message: "the policy is too large (aliases expand to too many values)"})
		}
		return nil, ps.sorted()
	}
	for i := range p.Rules {
		p.Rules[i].compileKeys()
	}
	p.source = bytes.Clone(src)
	return p, nil
}

// sorted returns the errors in line order.
func (ps *parser) sorted() PolicyErrors {
	errs := ps.errs
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Line < errs[j-1].Line; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	return errs
}

func (ps *parser) parsePolicy(doc *yaml.Node) *Policy {
	p := &Policy{HomeCountry: DefaultHomeCountry, RegistrationDays: DefaultRegistrationDays, DefaultQueue: DefaultQueue,
		DefaultTrack: DefaultTrack, Scoring: Scoring{Threshold: DefaultThreshold}, DeclineReasons: leadrouter.DefaultDeclineReasons(),
		DealStages: leadrouter.DefaultDealStages(), StaleAfter: DefaultStaleAfter,
		Precedence: leadrouter.DefaultPrecedence()}
	p.RespondWithin, _ = leadrouter.ParseResponseTime(DefaultRespondWithin)
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if r := resolve(root); r == nil || r.Kind != yaml.MappingNode {
		ps.errorf(root, "", "the policy must be a mapping of keys (want keys: %s)", strings.Join(policyKeys, ", "))
		return p
	}
	var rulesNode *yaml.Node
	ps.mapping(root, "", policyKeys, func(key string, _, v *yaml.Node) {
		switch key {
		case "home_country":
			if s, ok := ps.scalar(v, key, "an ISO 3166 alpha-2 country code"); ok {
				if code, ok := ps.country(v, key, s); ok {
					p.HomeCountry = code
				}
			}
		case "registration_days":
			if n, ok := ps.integer(v, key, 1, 3650); ok {
				p.RegistrationDays = n
			}
		case "default_queue":
			p.DefaultQueue = ps.name(v, key, "a queue name")
		case "rules":
			rulesNode = v
			ps.sequence(v, key, func(i int, item *yaml.Node) {
				if i == maxEntries {
					ps.errorf(item, key, "more than %d rules", maxEntries)
				}
				if i >= maxEntries {
					return
				}
				p.Rules = append(p.Rules, ps.parseRule(item, fmt.Sprintf("rules[%d]", i)))
			})
		case "nurture":
			ps.sequence(v, key, func(i int, item *yaml.Node) {
				if i == maxEntries {
					ps.errorf(item, key, "more than %d nurture tracks", maxEntries)
				}
				if i >= maxEntries {
					return
				}
				p.Nurture = append(p.Nurture, ps.parseNurture(item, fmt.Sprintf("nurture[%d]", i)))
			})
		case "default_track":
			p.DefaultTrack = ps.name(v, key, "a track name")
		case "scoring":
			p.Scoring = ps.parseScoring(v, key)
		case "respond_within":
			if rt, ok := ps.responseTime(v, key); ok {
				p.RespondWithin = rt
			}
		case "tiers":
			p.Tiers = ps.parseTiers(v, key)
		case "decline_reasons":
			p.DeclineReasons = ps.names(v, key, "a reason code such as no_capacity")
		case "deal_stages":
			p.DealStages = ps.names(v, key, "a stage name such as proposal")
		case "precedence":
			p.Precedence = nil
			for i, name := range ps.names(v, key, "registration, pid or account_owner") {
				switch k := leadrouter.ClaimKind(name); k {
				case leadrouter.ClaimRegistration, leadrouter.ClaimPID, leadrouter.ClaimAccountOwner:
					p.Precedence = append(p.Precedence, k)
				default:
					ps.errorf(v, fmt.Sprintf("%s[%d]", key, i), "%q is not a claim (want registration, pid or account_owner)", name)
				}
			}
		case "stale_after":
			if s, ok := ps.scalar(v, key, "a duration such as 720h"); ok {
				d, err := time.ParseDuration(s)
				if err != nil || d < time.Second || d > 365*24*time.Hour {
					ps.errorf(v, key, "%q is not a duration from 1s to 8760h (a year), such as 720h", s)
				} else {
					p.StaleAfter = d
				}
			}
		}
	})
	if len(p.Rules) == 0 && len(ps.errs) == 0 {
		line := root
		if rulesNode != nil {
			line = rulesNode
		}
		ps.errorf(line, "rules", "the policy needs at least one rule (see `leadrouter policy default`)")
	}
	seen := map[string]int{}
	for i, r := range p.Rules {
		if r.ID == "" {
			continue
		}
		if prev, dup := seen[r.ID]; dup {
			ps.errorf(nodeAt(resolve(rulesNode), i, "id"), fmt.Sprintf("rules[%d].id", i), "%q is already the id of rules[%d]; ids must be unique", r.ID, prev)
			continue
		}
		if r.ID == NoRule {
			ps.errorf(nodeAt(resolve(rulesNode), i, "id"), fmt.Sprintf("rules[%d].id", i), "%q is reserved for leads no rule assigned", NoRule)
		}
		seen[r.ID] = i
	}
	p.home = countryIndex(p.HomeCountry)
	return p
}

// nodeAt is the value node of key in item i of a sequence, for error lines.
func nodeAt(seq *yaml.Node, i int, key string) *yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return seq
	}
	m := resolve(seq.Content[i])
	if m == nil || m.Kind != yaml.MappingNode {
		return seq.Content[i]
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	return m
}

// name reads an id, queue or track name.
func (ps *parser) name(n *yaml.Node, field, what string) string {
	s, ok := ps.scalar(n, field, what)
	if !ok {
		return ""
	}
	if !nameRE.MatchString(s) {
		ps.errorf(n, field, "%q is not a valid name (want 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit)", s)
		return ""
	}
	return s
}

// emptyEntry reports a list item with nothing in it.
func (ps *parser) emptyEntry(n *yaml.Node, field string, keys []string) bool {
	if !isNull(resolve(n)) {
		return false
	}
	ps.errorf(n, field, "is empty (want keys: %s)", strings.Join(keys, ", "))
	return true
}

func (ps *parser) parseRule(n *yaml.Node, field string) Rule {
	r := Rule{Strategy: StrategyRoundRobin, Fallthrough: FallthroughNext}
	if ps.emptyEntry(n, field, ruleKeys) {
		return r
	}
	keyLines := map[string]*yaml.Node{}
	ps.mapping(n, field, ruleKeys, func(key string, k, v *yaml.Node) {
		keyLines[key] = k
		f := join(field, key)
		switch key {
		case "id":
			r.ID = ps.name(v, f, "the rule's id, such as international")
		case "description":
			r.Description, _ = ps.scalar(v, f, "text")
		case "when":
			r.When = ps.parseWhen(v, f, false)
		case "action":
			if s, ok := ps.scalar(v, f, "one of: "+strings.Join(actions, ", ")); ok && ps.oneOf(v, f, "action", s, actions) {
				r.Action = s
			}
		case "queue":
			r.Queue = ps.name(v, f, "a queue name such as inside-sales")
		case "strategy":
			if s, ok := ps.scalar(v, f, "round_robin or weighted"); ok && ps.oneOf(v, f, "strategy", s, strategies) {
				r.Strategy = s
			}
		case "daily_cap":
			r.DailyCap, _ = ps.integer(v, f, 1, 1_000_000)
		case "respond_within":
			r.RespondWithin, _ = ps.responseTime(v, f)
		case "tier_in":
			r.TierIn = ps.names(v, f, "a tier name such as gold")
		case "fallthrough":
			s, ok := ps.scalar(v, f, `"next" or "queue:NAME"`)
			if !ok {
				return
			}
			queue, isQueue := strings.CutPrefix(s, "queue:")
			switch {
			case s == FallthroughNext:
			case isQueue && nameRE.MatchString(strings.TrimSpace(queue)):
				r.fallthroughQueue = strings.TrimSpace(queue)
			default:
				ps.errorf(v, f, "%q is not a fallthrough (want %q to try the next rule, or \"queue:NAME\" to leave the lead in queue NAME)", s, FallthroughNext)
				return
			}
			r.Fallthrough = s
		}
	})
	mapNode := resolve(n)
	if mapNode == nil || mapNode.Kind != yaml.MappingNode {
		return r
	}
	if _, ok := keyLines["id"]; !ok {
		ps.errorf(mapNode, field, "every rule needs an id (such as id: international)")
	}
	if _, ok := keyLines["action"]; !ok {
		ps.errorf(mapNode, field, "every rule needs an action (one of: %s)", strings.Join(actions, ", "))
	}
	only := func(key, msg string) {
		if k, ok := keyLines[key]; ok {
			ps.errorf(k, join(field, key), "%s", msg)
		}
	}
	switch r.Action {
	case ActionAssignQueue:
		if _, ok := keyLines["queue"]; !ok {
			ps.errorf(mapNode, field, "assign_queue needs a queue (such as queue: inside-sales)")
		}
		if r.Strategy == StrategyWeighted {
			only("strategy", "assign_queue rotates round_robin among the queue's users (weights belong to partners)")
		}
		only("fallthrough", "assign_queue never falls through: when no user can take the lead it waits in the queue")
	case ActionReservePID:
		only("strategy", "reserve_pid has one candidate, the credited partner: strategy does not apply")
		only("daily_cap", "reserve_pid is guaranteed: a daily cap does not apply")
	case ActionKeepOwner, ActionAssignAccountPartner:
		only("queue", r.Action+" takes no queue")
		only("strategy", r.Action+" has one candidate: strategy does not apply")
		only("daily_cap", r.Action+" has one candidate: a daily cap does not apply (caps are for rotations)")
	case ActionAssignTerritory:
		only("queue", "assign_territory takes no queue (use fallthrough: queue:NAME for leads no partner can take)")
	}
	r.When.compile()
	return r
}

// responseTime reads a respond_within value.
func (ps *parser) responseTime(n *yaml.Node, field string) (leadrouter.ResponseTime, bool) {
	s, ok := ps.scalar(n, field, `a duration such as 48h, or "2 business days"`)
	if !ok {
		return leadrouter.ResponseTime{}, false
	}
	rt, err := leadrouter.ParseResponseTime(s)
	if err != nil {
		ps.errorf(n, field, "%s", leadrouter.ErrorMessage(err))
		return rt, false
	}
	return rt, true
}

// names reads a non-empty list of distinct names.
func (ps *parser) names(n *yaml.Node, field, what string) []string {
	var out []string
	ps.sequence(n, field, func(i int, item *yaml.Node) {
		if i >= maxEntries {
			return
		}
		f := fmt.Sprintf("%s[%d]", field, i)
		if name := ps.name(item, f, what); name != "" {
			if slices.Contains(out, name) {
				ps.errorf(item, f, "%q is listed twice", name)
				return
			}
			out = append(out, name)
		}
	})
	if len(out) == 0 {
		ps.errorf(n, field, "needs at least one entry (%s)", what)
	}
	return out
}

// parseTiers reads tiers: a mapping of tier name to its settings.
func (ps *parser) parseTiers(n *yaml.Node, field string) map[string]Tier {
	out := map[string]Tier{}
	m := resolve(n)
	if m == nil || m.Kind != yaml.MappingNode {
		ps.errorf(n, field, "must map tier names to settings (such as gold: {respond_within: 24h, weight: 2})")
		return out
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		name := ps.name(k, field, "a tier name such as gold")
		if name == "" {
			continue
		}
		f := join(field, name)
		var t Tier
		ps.mapping(v, f, tierKeys, func(key string, _, val *yaml.Node) {
			switch key {
			case "respond_within":
				t.RespondWithin, _ = ps.responseTime(val, join(f, key))
			case "weight":
				t.Weight, _ = ps.integer(val, join(f, key), 1, 100)
			}
		})
		out[name] = t
	}
	return out
}

// compileKeys precomputes the rule's rotation keys (once the policy is
// valid), so routing builds no strings.
func (r *Rule) compileKeys() {
	r.capKey = "rule:" + r.ID
	r.positionKey = r.capKey + ":"
	if r.Action == ActionAssignQueue {
		r.positionKey += r.Queue
	}
	if r.Action == ActionAssignTerritory {
		var b strings.Builder
		b.Grow(numCountries * (len(r.positionKey) + 2))
		for i := range numCountries {
			b.WriteString(r.positionKey)
			b.WriteString(countryCode(i))
		}
		r.territoryKeys = b.String()
	}
}

// territoryKey is "rule:ID:XX" for country index i.
func (r *Rule) territoryKey(i int) string {
	size := len(r.positionKey) + 2
	return r.territoryKeys[i*size : (i+1)*size]
}

func (ps *parser) parseNurture(n *yaml.Node, field string) NurtureRule {
	var nr NurtureRule
	hasTrack := false
	if ps.emptyEntry(n, field, []string{"track", "when"}) {
		return nr
	}
	ps.mapping(n, field, []string{"track", "when"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "track":
			nr.Track, hasTrack = ps.name(v, join(field, key), "a track name such as demo-fast-track"), true
		case "when":
			nr.When = ps.parseWhen(v, join(field, key), false)
		}
	})
	if m := resolve(n); !hasTrack && m != nil && m.Kind == yaml.MappingNode {
		ps.errorf(m, field, "every nurture entry needs a track (such as track: demo-fast-track)")
	}
	nr.When.compile()
	return nr
}

func (ps *parser) parseScoring(n *yaml.Node, field string) Scoring {
	s := Scoring{Threshold: DefaultThreshold}
	ps.mapping(n, field, []string{"threshold", "rules"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "threshold":
			s.Threshold, _ = ps.integer(v, join(field, key), 0, 1_000_000)
		case "rules":
			ps.sequence(v, join(field, key), func(i int, item *yaml.Node) {
				if i == maxEntries {
					ps.errorf(item, join(field, key), "more than %d scoring rules", maxEntries)
				}
				if i >= maxEntries {
					return
				}
				s.Rules = append(s.Rules, ps.parseScoreRule(item, fmt.Sprintf("%s.rules[%d]", field, i)))
			})
		}
	})
	return s
}

func (ps *parser) parseScoreRule(n *yaml.Node, field string) ScoreRule {
	var sr ScoreRule
	hasPoints := false
	if ps.emptyEntry(n, field, []string{"label", "points", "when"}) {
		return sr
	}
	ps.mapping(n, field, []string{"label", "points", "when"}, func(key string, _, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "label":
			sr.Label, _ = ps.scalar(v, f, "text")
		case "points":
			hasPoints = true
			if pts, ok := ps.integer(v, f, -1000, 1000); ok {
				if pts == 0 {
					ps.errorf(v, f, "0 points changes nothing: remove the rule or give it points")
				}
				sr.Points = pts
			}
		case "when":
			sr.When = ps.parseWhen(v, f, true)
		}
	})
	if m := resolve(n); !hasPoints && m != nil && m.Kind == yaml.MappingNode {
		ps.errorf(m, field, "every scoring rule needs points (such as points: 20)")
	}
	sr.When.compile()
	if sr.Label == "" {
		sr.Label = sr.When.describe()
	}
	return sr
}
