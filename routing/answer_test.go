package routing

import (
	"strings"
	"testing"
	"time"

	"github.com/leadrouter/leadrouter"
)

// The partner-answer settings parse, default, and pick rule over tier over
// policy; bad values are errors with their lines.
func TestPolicyAnswerSettings(t *testing.T) {
	p := MustParse(t, `
respond_within: 3 business days
tiers:
  gold: {respond_within: 24h, weight: 3}
  bronze: {weight: 1}
decline_reasons: [busy, other]
deal_stages: [one, two]
stale_after: 240h
rules:
  - id: fast
    action: assign_territory
    respond_within: 2h
    tier_in: [gold]
  - id: slow
    action: assign_queue
    queue: inside-sales
`)
	for _, c := range []struct{ rule, tier, want string }{
		{"fast", "gold", "2h0m0s"}, {"slow", "gold", "24h0m0s"}, {"slow", "bronze", "3 business days"}, {"", "", "3 business days"},
	} {
		if got := p.ResponseTime(c.rule, c.tier).String(); got != c.want {
			t.Errorf("rule %q tier %q: %s, want %s", c.rule, c.tier, got, c.want)
		}
	}
	if p.TierWeight("gold") != 3 || p.TierWeight("none") != 1 || p.StaleAfter != 240*time.Hour ||
		len(p.DeclineReasons) != 2 || len(p.DealStages) != 2 || len(p.Rules[0].TierIn) != 1 {
		t.Errorf("settings %+v", p)
	}
	d := MustDefault(t)
	if d.RespondWithin.String() != "2 business days" || d.StaleAfter != DefaultStaleAfter || len(d.DeclineReasons) < 3 {
		t.Errorf("defaults: %s %s %v", d.RespondWithin, d.StaleAfter, d.DeclineReasons)
	}
	for _, bad := range []struct{ src, field string }{
		{"respond_within: soon\nrules: [{id: a, action: keep_owner}]\n", "respond_within"},
		{"tiers: {gold: {respond_within: 0s}}\nrules: [{id: a, action: keep_owner}]\n", "tiers.gold.respond_within"},
		{"tiers: {gold: {speed: 1}}\nrules: [{id: a, action: keep_owner}]\n", "tiers.gold"},
		{"decline_reasons: []\nrules: [{id: a, action: keep_owner}]\n", "decline_reasons"},
		{"deal_stages: [a, a]\nrules: [{id: a, action: keep_owner}]\n", "deal_stages[1]"},
		{"stale_after: 5y\nrules: [{id: a, action: keep_owner}]\n", "stale_after"},
		{"rules: [{id: a, action: keep_owner, respond_within: 0 business days}]\n", "rules[0].respond_within"},
	} {
		_, err := ParsePolicy([]byte(bad.src))
		errs, ok := err.(PolicyErrors)
		if !ok || len(errs) == 0 || errs[0].Field != bad.field {
			t.Errorf("%q: %v, want an error on %s", bad.src, err, bad.field)
		}
	}
}

// tier_in limits a rule's candidates to partners of those tiers; the
// others are skipped with the reason in the trace.
func TestTierIn(t *testing.T) {
	p := MustParse(t, `
home_country: US
rules:
  - id: gold-only
    when: {international: true}
    action: assign_territory
    tier_in: [gold]
  - id: default
    action: assign_queue
    queue: inside-sales
`)
	dir := NewDirectory([]leadrouter.Partner{
		{ID: "p-gold", Countries: []string{"DE"}, Tier: "gold", Status: leadrouter.PartnerActive},
		{ID: "p-silver", Countries: []string{"DE"}, Tier: "silver", Status: leadrouter.PartnerActive},
	}, nil)
	rot := &MemoryRotation{}
	skipped := false
	for range 4 {
		d := MustRoute(t, p, dir, Input{Lead: leadrouter.Lead{Country: "DE"}}, rot)
		if d.Owner.PartnerID != "p-gold" {
			t.Fatalf("routed to %+v, want the gold partner only:\n%s", d.Owner, traceText(d))
		}
		skipped = skipped || strings.Contains(traceText(d), "not of a tier this rule takes")
	}
	if !skipped {
		t.Error("no trace says why the silver partner was skipped")
	}
}
