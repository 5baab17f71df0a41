package routing

import (
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// TestConditions checks every condition with a lead that passes and one
// that fails, and the reason given for the failure.
func TestConditions(t *testing.T) {
	tests := []struct {
		when   string
		pass   Input
		fail   Input
		reason string
	}{
		{"country_in: [DE, AT]", Input{Lead: leadrouter.Lead{Country: "at"}}, Input{Lead: leadrouter.Lead{Country: "FR"}}, "country FR is not one of DE, AT"},
		{"country_in: [DE]", Input{Lead: leadrouter.Lead{Country: "DE"}}, Input{Lead: leadrouter.Lead{Country: "Deutschland"}}, `country "Deutschland" is not a known ISO code`},
		{"country_not_in: [US, CA]", Input{Lead: leadrouter.Lead{Country: "MX"}}, Input{Lead: leadrouter.Lead{Country: "CA"}}, "country CA is excluded"},
		{"country_not_in: [US]", Input{}, Input{Lead: leadrouter.Lead{Country: "US"}}, "country US is excluded"},
		{"international: true", Input{Lead: leadrouter.Lead{Country: "DE"}}, Input{Lead: leadrouter.Lead{Country: "US"}}, "country US is the home country"},
		{"international: true", Input{Lead: leadrouter.Lead{Country: "DE"}}, Input{}, `country (none) is not a known ISO code`},
		{"international: false", Input{Lead: leadrouter.Lead{Country: "us"}}, Input{Lead: leadrouter.Lead{Country: "DE"}}, "country DE is not the home country US"},
		{"has_pid: true", Input{Lead: leadrouter.Lead{CreditedPartnerID: "p"}}, Input{}, "no partner is credited"},
		{"has_pid: false", Input{}, Input{Lead: leadrouter.Lead{CreditedPartnerID: "p"}}, "partner p is credited"},
		{"account_owned_by_partner: true", Input{Facts: Facts{AccountOwnerPartnerID: "p"}}, Input{}, "no partner owns the lead's account"},
		{"account_owned_by_partner: false", Input{}, Input{Facts: Facts{AccountOwnerPartnerID: "p"}}, "partner p owns the lead's account"},
		{"duplicate_of_open_lead: true", Input{Facts: Facts{DuplicateOfLeadID: "l"}}, Input{}, "not a response to an open lead"},
		{"duplicate_of_open_lead: false", Input{}, Input{Facts: Facts{DuplicateOfLeadID: "l"}}, "a response to open lead l"},
		{"source_in: [event, webinar]", Input{Lead: leadrouter.Lead{Source: "Webinar"}}, Input{Lead: leadrouter.Lead{Source: "call"}}, `source "call" is not one of event, webinar`},
		{"source_in: [event]", Input{Lead: leadrouter.Lead{Source: "event"}}, Input{}, "source (none) is not one of event"},
		{"form_kind_in: [demo_request]", Input{Lead: leadrouter.Lead{FormKind: "demo_request"}}, Input{Lead: leadrouter.Lead{FormKind: "contact"}}, `form kind "contact" is not one of demo_request`},
		{"title_in: [CEO, Owner]", Input{Lead: leadrouter.Lead{Title: " ceo "}}, Input{Lead: leadrouter.Lead{Title: "CEO assistant"}}, `title "CEO assistant" is not one of CEO, Owner`},
		{"title_matches: [director, vp]", Input{Lead: leadrouter.Lead{Title: "Sales Director, EMEA"}}, Input{Lead: leadrouter.Lead{Title: "VPN administrator"}}, `title "VPN administrator" contains none of director, vp`},
		{"title_matches: [vice president]", Input{Lead: leadrouter.Lead{Title: "Senior Vice-President? no: Vice President Sales"}}, Input{Lead: leadrouter.Lead{Title: "Vice Presidential aide"}}, "contains none of"},
		{"title_matches: [engineer*]", Input{Lead: leadrouter.Lead{Title: "Head of Engineering"}}, Input{Lead: leadrouter.Lead{Title: "Reengineering lead"}}, "contains none of"},
		{"title_matches: [geschäftsführer]", Input{Lead: leadrouter.Lead{Title: "GESCHÄFTSFÜHRER"}}, Input{Lead: leadrouter.Lead{Title: "Geschäft"}}, "contains none of"},
		{"company_size_min: 50", Input{Lead: leadrouter.Lead{CompanySize: 50}}, Input{Lead: leadrouter.Lead{CompanySize: 49}}, "company size 49 is below 50"},
		{"company_size_min: 50", Input{Lead: leadrouter.Lead{CompanySize: 51}}, Input{}, "company size is unknown"},
		{"company_size_max: 999", Input{Lead: leadrouter.Lead{CompanySize: 999}}, Input{Lead: leadrouter.Lead{CompanySize: 1000}}, "company size 1000 is above 999"},
		{"company_size_max: 999", Input{Lead: leadrouter.Lead{CompanySize: 1}}, Input{}, "company size is unknown"},
		{"responses_min: 2", Input{Lead: leadrouter.Lead{Responses: 2}}, Input{Lead: leadrouter.Lead{Responses: 1}}, "1 response(s), fewer than 2"},
		{"min_score: 20", Input{Lead: leadrouter.Lead{Title: "CEO"}}, Input{Lead: leadrouter.Lead{Title: "intern"}}, "score 0 is below 20"},
		{"{country_in: [DE], form_kind_in: [contact]}", Input{Lead: leadrouter.Lead{Country: "DE", FormKind: "contact"}}, Input{Lead: leadrouter.Lead{Country: "DE", FormKind: "event"}}, `form kind "event"`},
	}
	const scoring = "scoring:\n  rules:\n    - {points: 25, when: {title_in: [ceo]}}\n"
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			when := tt.when
			if !strings.HasPrefix(when, "{") {
				when = "{" + when + "}"
			}
			p := MustParse(t, "rules:\n  - id: r\n    action: keep_owner\n    when: "+when+"\n"+scoring)
			w := &p.Rules[0].When
			check := func(l Input) (cond, string) {
				lv := p.view(&l)
				score := p.score(&lv, nil)
				c := w.eval(&lv, score)
				code, args := w.reason(c, &lv, score, p.HomeCountry)
				return c, ReasonText(code, args, func(id string) string { return id })
			}
			if c, why := check(tt.pass); c != condNone {
				t.Errorf("%+v fails: %s", tt.pass, why)
			}
			c, why := check(tt.fail)
			if c == condNone {
				t.Fatalf("%+v passes", tt.fail)
			}
			if !strings.Contains(why, tt.reason) {
				t.Errorf("reason %q, want %q", why, tt.reason)
			}
		})
	}
}

func TestContainsWordFold(t *testing.T) {
	tests := []struct {
		s, needle string
		want      bool
	}{
		{"VP Sales", "vp", true},
		{"SVP", "vp", false},
		{"vp", "vp", true},
		{"Chief Executive", "chief executive", true},
		{"Chief  Executive", "chief executive", false},
		{"Director/Owner", "owner", true},
		{"Co-Founder", "founder", true},
		{"Cofounder", "founder", false},
		{"Engineering", "engineer*", true},
		{"Engineering", "engineer", false},
		{"ÉTUDIANT", "étudiant", true},
		{"", "vp", false},
		{"v", "vp", false},
	}
	for _, tt := range tests {
		if got := containsWordFold(tt.s, tt.needle); got != tt.want {
			t.Errorf("containsWordFold(%q, %q) = %v", tt.s, tt.needle, got)
		}
	}
}

func TestCountryIndex(t *testing.T) {
	for i := range numCountries {
		code := countryCode(i)
		if countryIndex(code) != i || countryIndex(strings.ToLower(code)) != i || countryCodes[2*i:2*i+2] != code {
			t.Fatalf("country %d %s", i, code)
		}
	}
	for _, bad := range []string{"", "D", "DEU", "D1", "É", "[A", "@@"} {
		if countryIndex(bad) != -1 {
			t.Errorf("countryIndex(%q) = %d", bad, countryIndex(bad))
		}
	}
	s := newCountrySet([]string{"DE", "ZZ", "AA"})
	for _, c := range []string{"DE", "ZZ", "AA"} {
		if !s.has(countryIndex(c)) {
			t.Errorf("set lacks %s", c)
		}
	}
	if s.has(countryIndex("FR")) || s.has(-1) {
		t.Error("set has FR or -1")
	}
}
