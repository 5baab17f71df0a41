package routing

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePolicyGood(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, p *Policy)
	}{
		{"minimal: defaults filled in", "rules:\n  - id: all\n    action: assign_queue\n    queue: inside-sales\n", func(t *testing.T, p *Policy) {
			want := Rule{ID: "all", Action: ActionAssignQueue, Queue: "inside-sales", Strategy: StrategyRoundRobin, Fallthrough: FallthroughNext}
			got := p.Rules[0]
			if got.ID != want.ID || got.Action != want.Action || got.Queue != want.Queue || got.Strategy != want.Strategy || got.Fallthrough != want.Fallthrough {
				t.Errorf("rule %+v", got)
			}
			if p.HomeCountry != "US" || p.RegistrationDays != 90 || p.Scoring.Threshold != 50 || p.DefaultTrack != "general" || p.DefaultQueue != "inside-sales" {
				t.Errorf("defaults %+v", p)
			}
		}},
		{"top-level settings", `
home_country: de
registration_days: 30
default_queue: emea-desk
default_track: nurture-all
rules:
  - id: t
    description: German partners first
    action: assign_territory
    strategy: weighted
    daily_cap: 5
    fallthrough: queue:emea-desk
`, func(t *testing.T, p *Policy) {
			r := p.Rules[0]
			if p.HomeCountry != "DE" || p.RegistrationDays != 30 || p.DefaultQueue != "emea-desk" || p.DefaultTrack != "nurture-all" {
				t.Errorf("settings %+v", p)
			}
			if r.Strategy != StrategyWeighted || r.DailyCap != 5 || r.Fallthrough != "queue:emea-desk" || r.fallthroughQueue != "emea-desk" || r.Description == "" {
				t.Errorf("rule %+v", r)
			}
			if r.territoryKey(countryIndex("DE")) != "rule:t:DE" || r.territoryKey(0) != "rule:t:AA" || r.territoryKey(numCountries-1) != "rule:t:ZZ" {
				t.Errorf("territory keys %q", r.territoryKey(countryIndex("DE")))
			}
		}},
		{"every condition, flow and block lists, a single value for a list", `
rules:
  - id: r
    action: keep_owner
    when:
      country_in: [de, AT]
      country_not_in: US
      international: true
      has_pid: false
      account_owned_by_partner: false
      duplicate_of_open_lead: true
      source_in:
        - web_form
        - call
      form_kind_in: [demo_request]
      title_in: [CEO]
      title_matches: [Director, "engineer*"]
      company_size_min: 10
      company_size_max: 10
      responses_min: 2
      min_score: 30
`, func(t *testing.T, p *Policy) {
			w := p.Rules[0].When
			if diff := cmp.Diff([]string{"DE", "AT"}, w.CountryIn); diff != "" {
				t.Error(diff)
			}
			if diff := cmp.Diff([]string{"US"}, w.CountryNotIn); diff != "" {
				t.Error(diff)
			}
			if !*w.International || *w.HasPID || *w.AccountOwnedByPartner || !*w.DuplicateOfOpenLead || *w.MinScore != 30 ||
				*w.CompanySizeMin != 10 || *w.CompanySizeMax != 10 || *w.ResponsesMin != 2 || len(w.SourceIn) != 2 {
				t.Errorf("conditions %+v", w)
			}
			if got := w.titleMatcher.needles; len(got) != 2 || got[0] != (titleNeedle{"director", false}) || got[1] != (titleNeedle{"engineer", true}) {
				t.Errorf("title needles %+v", got)
			}
		}},
		{"aliases share conditions", `
rules:
  - id: a
    when: &emea {country_in: [DE, FR]}
    action: assign_territory
  - id: b
    when: *emea
    action: assign_queue
    queue: emea
`, func(t *testing.T, p *Policy) {
			if len(p.Rules[1].When.CountryIn) != 2 {
				t.Errorf("alias not followed: %+v", p.Rules[1].When)
			}
		}},
		{"nurture and scoring", `
rules: [{id: all, action: assign_queue, queue: q}]
nurture:
  - track: demo
    when: {form_kind_in: [demo_request], min_score: 10}
  - track: everyone
scoring:
  threshold: 0
  rules:
    - points: -5
      when: {title_matches: [student]}
    - label: base
      points: 1
`, func(t *testing.T, p *Policy) {
			if p.Scoring.Threshold != 0 || len(p.Scoring.Rules) != 2 || p.Nurture[1].Track != "everyone" {
				t.Errorf("%+v %+v", p.Scoring, p.Nurture)
			}
			if p.Scoring.Rules[0].Label != "title_matches student" || p.Scoring.Rules[1].Label != "base" {
				t.Errorf("labels %q %q", p.Scoring.Rules[0].Label, p.Scoring.Rules[1].Label)
			}
		}},
		{"empty when is no condition", "rules:\n  - id: x\n    when:\n    action: assign_account_partner\n", func(t *testing.T, p *Policy) {
			if !p.Rules[0].When.empty {
				t.Error("conditions not empty")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustParse(t, tt.src)
			tt.check(t, p)
			if string(p.YAML()) != tt.src {
				t.Error("YAML() is not the source")
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	const rule = "rules:\n  - id: r\n    action: assign_territory\n"
	tests := []struct {
		name  string
		src   string
		line  int
		field string
		msg   string
	}{
		{"empty", "", 1, "", "the policy is empty"},
		{"only a comment", "# nothing\n", 1, "", "the policy is empty"},
		{"not YAML", "rules:\n  - id: a\n   action: b\n", 3, "", "not valid YAML"},
		{"mapping in a value", "home_country: US\nrules:\n  - id: a: b\n", 3, "", "not valid YAML: mapping values are not allowed"},
		{"unclosed list", "home_country: US\nrules: [\n", 2, "", "not valid YAML"},
		{"tab indentation", "rules:\n\t- id: a\n", 2, "", "not valid YAML"},
		{"a list, not a mapping", "- id: a\n", 1, "", "must be a mapping"},
		{"two documents", rule + "---\nrules: []\n", 4, "", "single YAML document"},
		{"unknown top-level key", "rule:\n  - id: a\n", 1, "", `unknown key "rule" (did you mean "rules"?)`},
		{"no rules", "home_country: US\n", 1, "rules", "at least one rule"},
		{"empty rules", "rules: []\n", 1, "rules", "at least one rule"},
		{"rules not a list", "rules:\n  id: a\n", 2, "rules", "must be a list"},
		{"empty rule", "rules:\n  - id: a\n    action: keep_owner\n  -\n", 4, "rules[1]", "is empty (want keys: id, description, when, action"},
		{"empty nurture entry", "rules: [{id: a, action: keep_owner}]\nnurture: [~]\n", 2, "nurture[0]", "is empty"},
		{"empty scoring rule", "rules: [{id: a, action: keep_owner}]\nscoring: {rules: [null]}\n", 2, "scoring.rules[0]", "is empty"},
		{"rule not a mapping", "rules:\n  - assign_queue\n", 2, "rules[0]", "must be a mapping"},
		{"missing id", "rules:\n  - action: keep_owner\n", 2, "rules[0]", "needs an id"},
		{"missing action", "rules:\n  - id: a\n", 2, "rules[0]", "needs an action"},
		{"unknown action", "rules:\n  - id: a\n    action: nope\n", 3, "rules[0].action", `unknown action "nope" (want one of: keep_owner, reserve_pid, assign_account_partner, assign_territory, assign_queue)`},
		{"misspelt action", "rules:\n  - id: a\n    action: assign_teritory\n", 3, "rules[0].action", `did you mean "assign_territory"?`},
		{"action a list", "rules:\n  - id: a\n    action: [keep_owner]\n", 3, "rules[0].action", "must be a single value"},
		{"duplicate id", rule + "  - id: r\n    action: keep_owner\n", 4, "rules[1].id", `"r" is already the id of rules[0]`},
		{"reserved id", "rules:\n  - id: none\n    action: keep_owner\n", 2, "rules[0].id", "reserved"},
		{"id with spaces", "rules:\n  - id: rule one\n    action: keep_owner\n", 2, "rules[0].id", "not a valid name"},
		{"unknown rule key", rule + "    stratgy: weighted\n", 4, "rules[0]", `unknown key "stratgy" (did you mean "strategy"?)`},
		{"key given twice", rule + "    action: keep_owner\n", 4, "rules[0].action", "given twice"},
		{"merge key", "base: &b {action: keep_owner}\n", 1, "", `unknown key "base"`},
		{"merge key in a rule", "rules:\n  - <<: {action: keep_owner}\n    id: a\n", 2, "rules[0].<<", "merge keys"},
		{"unknown strategy", rule + "    strategy: round-robin\n", 4, "rules[0].strategy", `unknown strategy "round-robin" (did you mean "round_robin"?)`},
		{"weighted queue", "rules:\n  - id: q\n    action: assign_queue\n    queue: inside-sales\n    strategy: weighted\n", 5, "rules[0].strategy", "round_robin among the queue's users"},
		{"queue without queue", "rules:\n  - id: q\n    action: assign_queue\n", 2, "rules[0]", "assign_queue needs a queue"},
		{"queue name", "rules:\n  - id: q\n    action: assign_queue\n    queue: inside sales\n", 4, "rules[0].queue", "not a valid name"},
		{"queue on territory", rule + "    queue: x\n", 4, "rules[0].queue", "takes no queue"},
		{"cap on account owner", "rules:\n  - id: a\n    action: assign_account_partner\n    daily_cap: 3\n", 4, "rules[0].daily_cap", "caps are for rotations"},
		{"cap on pid", "rules:\n  - id: a\n    action: reserve_pid\n    daily_cap: 3\n", 4, "rules[0].daily_cap", "guaranteed"},
		{"cap zero", rule + "    daily_cap: 0\n", 4, "rules[0].daily_cap", "0 is out of range (want 1 to 1000000)"},
		{"cap not a number", rule + "    daily_cap: ten\n", 4, "rules[0].daily_cap", `"ten" is not a whole number`},
		{"cap a fraction", rule + "    daily_cap: 2.5\n", 4, "rules[0].daily_cap", `"2.5" is not a whole number`},
		{"bad fallthrough", rule + "    fallthrough: stop\n", 4, "rules[0].fallthrough", `"stop" is not a fallthrough`},
		{"fallthrough on a queue", "rules:\n  - id: q\n    action: assign_queue\n    queue: q\n    fallthrough: next\n", 5, "rules[0].fallthrough", "never falls through"},
		{"unknown condition", rule + "    when:\n      country_inn: [DE]\n", 5, "rules[0].when", `unknown key "country_inn" (did you mean "country_in"?)`},
		{"conditions not a mapping", rule + "    when: [country_in]\n", 4, "rules[0].when", "must be a mapping"},
		{"country name", rule + "    when:\n      country_in: [DE, Germany]\n", 5, "rules[0].when.country_in", `"Germany" is not an ISO 3166 alpha-2 code (did you mean "DE"?)`},
		{"UK", rule + "    when:\n      country_not_in:\n        - UK\n", 6, "rules[0].when.country_not_in", `(did you mean "GB"?)`},
		{"not a country", rule + "    when:\n      country_in: [XX]\n", 5, "rules[0].when.country_in", `"XX" is not an ISO 3166 alpha-2 country code`},
		{"empty country list", rule + "    when:\n      country_in: []\n", 5, "rules[0].when.country_in", "needs at least one value"},
		{"yes is not a boolean", rule + "    when:\n      has_pid: yes\n", 5, "rules[0].when.has_pid", `"yes" is not true or false`},
		{"unknown source", rule + "    when:\n      source_in: [webform]\n", 5, "rules[0].when.source_in", `unknown source "webform" (did you mean "web_form"?)`},
		{"unknown form kind", rule + "    when:\n      form_kind_in: [demo]\n", 5, "rules[0].when.form_kind_in", `unknown form kind "demo"`},
		{"empty title", rule + "    when:\n      title_matches: [\"*\"]\n", 5, "rules[0].when.title_matches", "empty title"},
		{"negative size", rule + "    when:\n      company_size_min: -1\n", 5, "rules[0].when.company_size_min", "out of range"},
		{"size range upside down", rule + "    when:\n      company_size_min: 500\n      company_size_max: 50\n", 6, "rules[0].when.company_size_max", "below company_size_min"},
		{"bad home country", "home_country: USA\n" + rule, 1, "home_country", `did you mean "US"?`},
		{"registration days", "registration_days: 0\n" + rule, 1, "registration_days", "out of range"},
		{"nurture without track", rule + "nurture:\n  - when: {has_pid: true}\n", 5, "nurture[0]", "needs a track"},
		{"nurture unknown key", rule + "nurture:\n  - track: a\n    condition: {}\n", 6, "nurture[0]", `unknown key "condition"`},
		{"scoring min_score", rule + "scoring:\n  rules:\n    - points: 5\n      when: {min_score: 3}\n", 7, "scoring.rules[0].when.min_score", "cannot be used in scoring"},
		{"scoring zero points", rule + "scoring:\n  rules:\n    - points: 0\n", 6, "scoring.rules[0].points", "0 points changes nothing"},
		{"scoring without points", rule + "scoring:\n  rules:\n    - label: x\n", 6, "scoring.rules[0]", "needs points"},
		{"negative threshold", rule + "scoring:\n  threshold: -1\n", 5, "scoring.threshold", "out of range"},
		{"threshold text", rule + "scoring:\n  threshold: high\n", 5, "scoring.threshold", "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tt.src))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *PolicyError: %v", err, err)
			}
			if pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("got  %v\nwant line %d, field %q, message containing %q (all errors:\n%v)", pe, tt.line, tt.field, tt.msg, err)
			}
		})
	}
}

func TestPolicyErrorText(t *testing.T) {
	src := `home_country: US
rules:
  - id: duplicate
    when: {duplicate_of_open_lead: true}
    action: keep_owner
  - id: pid
    when: {has_pid: true}
    action: reserve_pid
  - id: owners
    when: {account_owned_by_partner: true}
    action: asign_partner
`
	_, err := ParsePolicy([]byte(src))
	want := `policy line 11: rules[2].action: unknown action "asign_partner" (want one of: keep_owner, reserve_pid, assign_account_partner, assign_territory, assign_queue)`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

func TestParsePolicyReportsEveryProblem(t *testing.T) {
	src := `home_contry: US
rules:
  - id: a
    action: asign_queue
    when:
      country_in: [Germany]
  - id: a
    action: assign_queue
scoring:
  threshold: lots
`
	_, err := ParsePolicy([]byte(src))
	var errs PolicyErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not PolicyErrors", err)
	}
	var got []int
	for _, e := range errs {
		got = append(got, e.Line)
	}
	if diff := cmp.Diff([]int{1, 4, 6, 7, 7, 10}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s\n%v", diff, err)
	}
	if strings.Count(err.Error(), "\n") != len(errs)-1 {
		t.Errorf("one problem a line:\n%v", err)
	}
}

func TestParsePolicyBounds(t *testing.T) {
	// A billion-laughs document: aliases naming aliases.
	var b strings.Builder
	b.WriteString("a0: &a0 [DE, DE, DE, DE, DE, DE, DE, DE, DE, DE]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	if _, err := ParsePolicy([]byte(b.String())); err == nil {
		t.Fatal("accepted")
	}
	rules := "rules:\n  - id: r\n    action: assign_territory\n    when: {country_in: &c [" + strings.Repeat("DE, ", 2000) + "DE]}\n"
	for i := range 200 {
		rules += "  - {id: r" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ", action: assign_territory, when: {country_in: *c}}\n"
	}
	if _, err := ParsePolicy([]byte(rules)); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("alias expansion not bounded: %.200v", err)
	}
	many := "rules:\n" + strings.Repeat("  - {id: same, action: assign_territory}\n", maxEntries+5)
	if _, err := ParsePolicy([]byte(many)); err == nil || !strings.Contains(err.Error(), "more than 1000 rules") {
		t.Fatalf("rule count not bounded: %.200v", err)
	}
	if _, err := ParsePolicy(make([]byte, maxPolicySize+1)); err == nil {
		t.Fatal("a huge policy was accepted")
	}
}
