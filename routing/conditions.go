package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
	"gopkg.in/yaml.v3"
)

// When is a set of conditions; a rule, nurture track or scoring rule
// applies when all the conditions that are set hold. Unset conditions
// (nil pointers, empty lists) are not checked.
type When struct {
	// CountryIn lists the countries (ISO 3166 alpha-2) the lead must be in.
	CountryIn []string
	// CountryNotIn lists countries the lead must not be in.
	CountryNotIn []string
	// International is whether the lead's country is known and is not the
	// policy's home country.
	International *bool
	// HasPID is whether a partner is credited with the lead (a PID).
	HasPID *bool
	// AccountOwnedByPartner is whether the lead's matched account, or any
	// account in its hierarchy, is owned by a partner.
	AccountOwnedByPartner *bool
	// DuplicateOfOpenLead is whether the lead is a response to an open lead.
	DuplicateOfOpenLead *bool
	// SourceIn lists lead sources (web_form, call, …), one must match.
	SourceIn []string
	// FormKindIn lists form kinds (demo_request, …), one must match.
	FormKindIn []string
	// MinScore is the lowest score that passes (not usable in scoring).
	MinScore *int
	// TitleIn lists whole titles, ignoring case.
	TitleIn []string
	// TitleMatches lists words or phrases that must occur in the title as
	// whole words, ignoring case ("vp" matches "VP Sales", not "VPN
	// admin"; a trailing * matches any ending: "engineer*").
	TitleMatches []string
	// CompanySizeMin is the fewest employees; an unknown size (0) fails.
	CompanySizeMin *int
	// CompanySizeMax is the most employees; an unknown size (0) fails.
	CompanySizeMax *int
	// ResponsesMin is the lowest number of responses (form fills, calls).
	ResponsesMin *int

	countryIn, countryNotIn countrySet
	titleIn                 []string // lower-cased
	titleMatcher            titleMatcher
	empty                   bool
}

// conditionKeys are the YAML keys of When, in the order they are checked.
var conditionKeys = []string{
	"duplicate_of_open_lead", "has_pid", "account_owned_by_partner", "international",
	"country_in", "country_not_in", "source_in", "form_kind_in", "title_in", "title_matches",
	"company_size_min", "company_size_max", "responses_min", "min_score",
}

// Known lead sources and form kinds (SPEC.md W2).
var (
	sources   = leadrouter.SourceNames()
	formKinds = []string{leadrouter.FormGatedOffer, leadrouter.FormDemoRequest, leadrouter.FormContact, leadrouter.FormEvent}
)

// parseWhen reads a "when" mapping. inScoring forbids min_score (the score
// is what scoring computes).
func (ps *parser) parseWhen(n *yaml.Node, field string, inScoring bool) When {
	var w When
	boolean := func(v *yaml.Node, key string) *bool {
		b, ok := ps.boolean(v, join(field, key))
		if !ok {
			return nil
		}
		return &b
	}
	integer := func(v *yaml.Node, key string) *int {
		i, ok := ps.integer(v, join(field, key), 0, 1_000_000_000)
		if !ok {
			return nil
		}
		return &i
	}
	var sizeMaxNode *yaml.Node
	ps.mapping(n, field, conditionKeys, func(key string, k, v *yaml.Node) {
		f := join(field, key)
		switch key {
		case "country_in", "country_not_in":
			codes := ps.countries(v, f)
			if key == "country_in" {
				w.CountryIn = codes
			} else {
				w.CountryNotIn = codes
			}
		case "international":
			w.International = boolean(v, key)
		case "has_pid":
			w.HasPID = boolean(v, key)
		case "account_owned_by_partner":
			w.AccountOwnedByPartner = boolean(v, key)
		case "duplicate_of_open_lead":
			w.DuplicateOfOpenLead = boolean(v, key)
		case "source_in":
			w.SourceIn = ps.enumList(v, f, "source", sources)
		case "form_kind_in":
			w.FormKindIn = ps.enumList(v, f, "form kind", formKinds)
		case "min_score":
			if inScoring {
				ps.errorf(k, f, "cannot be used in scoring (the score is what scoring computes); use it in rules or nurture")
				return
			}
			w.MinScore = integer(v, key)
		case "title_in", "title_matches":
			titles, nodes := ps.list(v, f, "job titles or words")
			for i, t := range titles {
				if strings.Trim(t, "* ") == "" {
					ps.errorf(nodes[i], f, "an empty title would match nothing")
				}
			}
			if key == "title_in" {
				w.TitleIn = titles
			} else {
				w.TitleMatches = titles
			}
		case "company_size_min":
			w.CompanySizeMin = integer(v, key)
		case "company_size_max":
			w.CompanySizeMax, sizeMaxNode = integer(v, key), v
		case "responses_min":
			w.ResponsesMin = integer(v, key)
		}
	})
	if w.CompanySizeMin != nil && w.CompanySizeMax != nil && *w.CompanySizeMin > *w.CompanySizeMax {
		ps.errorf(sizeMaxNode, join(field, "company_size_max"), "%d is below company_size_min %d: no company would match",
			*w.CompanySizeMax, *w.CompanySizeMin)
	}
	w.compile()
	return w
}

// countries reads a list of ISO 3166 alpha-2 codes, suggesting the code
// for a name or alpha-3 code.
func (ps *parser) countries(n *yaml.Node, field string) []string {
	values, nodes := ps.list(n, field, "ISO 3166 alpha-2 country codes such as DE")
	out := values[:0]
	for i, v := range values {
		code, ok := ps.country(nodes[i], field, v)
		if ok {
			out = append(out, code)
		}
	}
	return out
}

// country checks one alpha-2 code and returns it upper-cased.
func (ps *parser) country(n *yaml.Node, field, s string) (string, bool) {
	code, err := leadrouter.ParseCountry(s)
	if err == nil && countryIndex(code) < 0 {
		err = fmt.Errorf("no code for %q", s) // a country routing has no index for
	}
	switch {
	case err == nil && strings.EqualFold(code, s):
		return code, true
	case err == nil:
		ps.errorf(n, field, "%q is not an ISO 3166 alpha-2 code (did you mean %q?)", s, code)
	default:
		ps.errorf(n, field, "%q is not an ISO 3166 alpha-2 country code (such as US, DE, GB)", s)
	}
	return "", false
}

// enumList reads a list whose values must come from allowed.
func (ps *parser) enumList(n *yaml.Node, field, what string, allowed []string) []string {
	values, nodes := ps.list(n, field, what+"s")
	out := values[:0]
	for i, v := range values {
		if ps.oneOf(nodes[i], field, what, v, allowed) {
			out = append(out, v)
		}
	}
	return out
}

// compile precomputes what evaluation needs, so evaluating allocates
// nothing.
func (w *When) compile() {
	w.countryIn, w.countryNotIn = newCountrySet(w.CountryIn), newCountrySet(w.CountryNotIn)
	w.titleIn = lowerAll(w.TitleIn)
	w.titleMatcher = newTitleMatcher(w.TitleMatches)
	w.empty = len(w.CountryIn) == 0 && len(w.CountryNotIn) == 0 && w.International == nil && w.HasPID == nil &&
		w.AccountOwnedByPartner == nil && w.DuplicateOfOpenLead == nil && len(w.SourceIn) == 0 && len(w.FormKindIn) == 0 &&
		w.MinScore == nil && len(w.TitleIn) == 0 && len(w.TitleMatches) == 0 && w.CompanySizeMin == nil &&
		w.CompanySizeMax == nil && w.ResponsesMin == nil
}

func lowerAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// cond names a condition, for explaining which one failed.
type cond uint8

const (
	condNone cond = iota
	condDuplicate
	condHasPID
	condAccountOwned
	condInternational
	condCountryIn
	condCountryNotIn
	condSourceIn
	condFormKindIn
	condTitleIn
	condTitleMatches
	condSizeMin
	condSizeMax
	condResponsesMin
	condMinScore
)

// eval reports whether every condition holds for the lead; when one does
// not, it returns which (the first, in conditionKeys order).
func (w *When) eval(l *leadView, score int) cond {
	if w.empty {
		return condNone
	}
	switch {
	case w.DuplicateOfOpenLead != nil && (l.DuplicateOfLeadID != "") != *w.DuplicateOfOpenLead:
		return condDuplicate
	case w.HasPID != nil && (l.CreditedPartnerID != "") != *w.HasPID:
		return condHasPID
	case w.AccountOwnedByPartner != nil && (l.AccountOwnerPartnerID != "") != *w.AccountOwnedByPartner:
		return condAccountOwned
	case w.International != nil && (l.country < 0 || l.international != *w.International):
		return condInternational
	case len(w.CountryIn) > 0 && (l.country < 0 || !w.countryIn.has(l.country)):
		return condCountryIn
	case len(w.CountryNotIn) > 0 && l.country >= 0 && w.countryNotIn.has(l.country):
		return condCountryNotIn
	case len(w.SourceIn) > 0 && !containsFold(w.SourceIn, string(l.Source)):
		return condSourceIn
	case len(w.FormKindIn) > 0 && !containsFold(w.FormKindIn, l.FormKind):
		return condFormKindIn
	case len(w.titleIn) > 0 && !containsFold(w.titleIn, strings.TrimSpace(l.Title)):
		return condTitleIn
	case len(w.TitleMatches) > 0 && !w.titleMatcher.match(l.Title):
		return condTitleMatches
	case w.CompanySizeMin != nil && (l.CompanySize <= 0 || l.CompanySize < *w.CompanySizeMin):
		return condSizeMin
	case w.CompanySizeMax != nil && (l.CompanySize <= 0 || l.CompanySize > *w.CompanySizeMax):
		return condSizeMax
	case w.ResponsesMin != nil && l.Responses < *w.ResponsesMin:
		return condResponsesMin
	case w.MinScore != nil && score < *w.MinScore:
		return condMinScore
	}
	return condNone
}

// reason gives the code and arguments of why condition c failed for the
// lead (ReasonText has the words).
func (w *When) reason(c cond, l *leadView, score int, home string) (string, []string) {
	not := func(b *bool) string {
		if *b {
			return ""
		}
		return "not "
	}
	switch c {
	case condDuplicate:
		if *w.DuplicateOfOpenLead {
			return ReasonNotResponse, nil
		}
		return ReasonIsResponse, []string{l.DuplicateOfLeadID}
	case condHasPID:
		if *w.HasPID {
			return ReasonNoPID, nil
		}
		return ReasonHasPID, []string{l.CreditedPartnerID}
	case condAccountOwned:
		if *w.AccountOwnedByPartner {
			return ReasonNoAccountOwner, nil
		}
		return ReasonAccountOwned, []string{l.AccountOwnerPartnerID}
	case condInternational:
		switch {
		case l.country < 0:
			return ReasonCountryUnknownIntl, []string{l.Country, not(w.International)}
		case *w.International:
			return ReasonHomeCountry, []string{l.countryCode}
		default:
			return ReasonNotHomeCountry, []string{l.countryCode, home}
		}
	case condCountryIn:
		if l.country < 0 {
			return ReasonCountryUnknownIn, []string{l.Country, strings.Join(w.CountryIn, ", ")}
		}
		return ReasonCountryNotIn, []string{l.countryCode, strings.Join(w.CountryIn, ", ")}
	case condCountryNotIn:
		return ReasonCountryExcluded, []string{l.countryCode, strings.Join(w.CountryNotIn, ", ")}
	case condSourceIn:
		return ReasonSourceNotIn, []string{string(l.Source), strings.Join(w.SourceIn, ", ")}
	case condFormKindIn:
		return ReasonFormKindNotIn, []string{l.FormKind, strings.Join(w.FormKindIn, ", ")}
	case condTitleIn:
		return ReasonTitleNotIn, []string{l.Title, strings.Join(w.TitleIn, ", ")}
	case condTitleMatches:
		return ReasonTitleNoMatch, []string{l.Title, strings.Join(w.TitleMatches, ", ")}
	case condSizeMin:
		if l.CompanySize <= 0 {
			return ReasonSizeUnknown, nil
		}
		return ReasonSizeBelow, []string{strconv.Itoa(l.CompanySize), strconv.Itoa(*w.CompanySizeMin)}
	case condSizeMax:
		if l.CompanySize <= 0 {
			return ReasonSizeUnknown, nil
		}
		return ReasonSizeAbove, []string{strconv.Itoa(l.CompanySize), strconv.Itoa(*w.CompanySizeMax)}
	case condResponsesMin:
		return ReasonResponsesBelow, []string{strconv.Itoa(l.Responses), strconv.Itoa(*w.ResponsesMin)}
	case condMinScore:
		return ReasonScoreBelow, []string{strconv.Itoa(score), strconv.Itoa(*w.MinScore)}
	}
	return ReasonConditionsHold, nil
}

// describe is a short summary of the conditions, used as the default label
// of a scoring rule.
func (w *When) describe() string {
	var parts []string
	add := func(key string, v any) { parts = append(parts, fmt.Sprintf("%s %v", key, v)) }
	boolean := func(key string, b *bool) {
		if b != nil {
			add(key, *b)
		}
	}
	list := func(key string, l []string) {
		if len(l) > 0 {
			add(key, strings.Join(l, "/"))
		}
	}
	integer := func(key string, i *int) {
		if i != nil {
			add(key, *i)
		}
	}
	boolean("duplicate_of_open_lead", w.DuplicateOfOpenLead)
	boolean("has_pid", w.HasPID)
	boolean("account_owned_by_partner", w.AccountOwnedByPartner)
	boolean("international", w.International)
	list("country_in", w.CountryIn)
	list("country_not_in", w.CountryNotIn)
	list("source_in", w.SourceIn)
	list("form_kind_in", w.FormKindIn)
	list("title_in", w.TitleIn)
	list("title_matches", w.TitleMatches)
	integer("company_size_min", w.CompanySizeMin)
	integer("company_size_max", w.CompanySizeMax)
	integer("responses_min", w.ResponsesMin)
	if len(parts) == 0 {
		return "every lead"
	}
	return strings.Join(parts, ", ")
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", s)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
