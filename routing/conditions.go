package routing

import (
	"fmt"
	"strings"
)

// holds reports whether every condition of w is true for lead, and if not,
// which one failed, in words an operations person understands.
func (p *Policy) holds(w *When, lead Lead, score int) (bool, string) {
	if len(w.CountryIn) > 0 && !contains(w.CountryIn, lead.Country) {
		return false, fmt.Sprintf("country %q is not in %v", lead.Country, w.CountryIn)
	}
	if len(w.CountryNotIn) > 0 && contains(w.CountryNotIn, lead.Country) {
		return false, fmt.Sprintf("country %s is excluded", lead.Country)
	}
	if w.International != nil {
		intl := lead.Country != "" && lead.Country != p.HomeCountry
		if intl != *w.International {
			if intl {
				return false, fmt.Sprintf("country %s is not the home country %s", lead.Country, p.HomeCountry)
			}
			if lead.Country == "" {
				return false, "the lead has no country"
			}
			return false, fmt.Sprintf("country %s is the home country", lead.Country)
		}
	}
	if w.HasPID != nil && (lead.CreditedPartnerID != "") != *w.HasPID {
		if *w.HasPID {
			return false, "no PID is credited"
		}
		return false, "a PID is credited"
	}
	if w.AccountOwnedByPartner != nil && (lead.AccountOwnerPartnerID != "") != *w.AccountOwnedByPartner {
		if *w.AccountOwnedByPartner {
			return false, "no partner owns the lead's account or its hierarchy"
		}
		return false, "a partner owns the lead's account"
	}
	if w.DuplicateOfOpenLead != nil && (lead.DuplicateOfLeadID != "") != *w.DuplicateOfOpenLead {
		if *w.DuplicateOfOpenLead {
			return false, "not a response to an open lead"
		}
		return false, "a response to an open lead"
	}
	if len(w.SourceIn) > 0 && !contains(w.SourceIn, lead.Source) {
		return false, fmt.Sprintf("source %q is not in %v", lead.Source, w.SourceIn)
	}
	if len(w.FormKindIn) > 0 && !contains(w.FormKindIn, lead.FormKind) {
		return false, fmt.Sprintf("form kind %q is not in %v", lead.FormKind, w.FormKindIn)
	}
	if w.MinScore != nil && score < *w.MinScore {
		return false, fmt.Sprintf("score %d is below %d", score, *w.MinScore)
	}
	if len(w.TitleMatches) > 0 {
		title := strings.ToLower(lead.Title)
		found := false
		for _, t := range w.TitleMatches {
			if t != "" && containsWord(title, t) {
				found = true
				break
			}
		}
		if !found {
			return false, fmt.Sprintf("title %q matches none of %v", lead.Title, w.TitleMatches)
		}
	}
	if w.CompanySizeMin != nil && lead.CompanySize < *w.CompanySizeMin {
		return false, fmt.Sprintf("company size %d is below %d", lead.CompanySize, *w.CompanySizeMin)
	}
	if w.CompanySizeMax != nil && lead.CompanySize > *w.CompanySizeMax {
		return false, fmt.Sprintf("company size %d is above %d", lead.CompanySize, *w.CompanySizeMax)
	}
	if w.ResponsesMin != nil && lead.Responses < *w.ResponsesMin {
		return false, fmt.Sprintf("%d response(s), fewer than %d", lead.Responses, *w.ResponsesMin)
	}
	return true, "conditions hold"
}

// containsWord reports whether needle occurs in s at word boundaries (so
// "cfo" matches "CFO & COO" but "vp" does not match "mvp").
func containsWord(s, needle string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], needle)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(needle)
		if (start == 0 || !isWordByte(s[start-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 }

// ScoreStep is one scoring rule that applied.
type ScoreStep struct {
	Label  string `json:"label"`
	Points int    `json:"points"`
}

// Score sums the points of every scoring rule that holds for lead.
func Score(p *Policy, lead Lead) (int, []ScoreStep) {
	lead.Country = strings.ToUpper(lead.Country)
	total := 0
	var steps []ScoreStep
	for i := range p.Scoring.Rules {
		r := &p.Scoring.Rules[i]
		if ok, _ := p.holds(&r.When, lead, total); ok {
			total += r.Points
			steps = append(steps, ScoreStep{Label: r.Label, Points: r.Points})
		}
	}
	return total, steps
}

// NurtureTrack returns the track of the first nurture entry that holds,
// or the default track.
func NurtureTrack(p *Policy, lead Lead, score int) string {
	for i := range p.Nurture {
		if ok, _ := p.holds(&p.Nurture[i].When, lead, score); ok {
			return p.Nurture[i].Track
		}
	}
	return p.DefaultTrack
}
