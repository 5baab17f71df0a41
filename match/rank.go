package match

import (
	"cmp"
	"slices"
	"strings"
)

// Kind is the kind of record a candidate is.
type Kind string

// The kinds of record matched, in the order Rank lists equal scores.
const (
	KindLead         Kind = "lead"
	KindContact      Kind = "contact"
	KindAccount      Kind = "account"
	KindRegistration Kind = "registration"
)

// Reasons a candidate matched, as Match.Reasons lists them.
const (
	ReasonEmail          = "email"           // the same e-mail address
	ReasonDomain         = "domain"          // the same registrable domain, never a free-mail one
	ReasonCompany        = "company"         // the same normalised company name
	ReasonSimilarCompany = "similar_company" // a company name at least NearMatchThreshold similar
)

// Scores Rank gives for each reason; a candidate with several reasons scores
// the highest of them.
const (
	EmailScore   = 1.0
	CompanyScore = 0.95
	DomainScore  = 0.9
	// SimilarCompanyMaxScore caps a similar name below an exact one and a
	// shared domain; a similar name scores min(Similarity, this).
	SimilarCompanyMaxScore = 0.89
)

// Query is what a person typed to look for a prospect: raw, unnormalised input.
type Query struct {
	Email   string
	Company string
	Domain  string // a host name, URL or e-mail address
}

// Candidate is a record the store fetched through its indexes for a Query.
type Candidate struct {
	Kind    Kind
	ID      string
	Email   string
	Company string
	// CompanyKey is NormaliseCompany(Company) when the store kept it; Rank
	// computes it when empty.
	CompanyKey string
	Domains    []string // host names or registrable domains
	Status     string
	Owner      string
}

// Match is a candidate that matched a Query, with its score and why.
type Match struct {
	Kind    Kind
	ID      string
	Score   float64
	Reasons []string
	Status  string
	Owner   string
	// Company is the candidate's company (its name for an account).
	Company string
}

// Rank scores each candidate against q and returns those that matched for at
// least one reason, best first: by score, then kind (lead, contact, account,
// registration), then ID. An exact e-mail (any case) scores 1; the same
// registrable domain as the query's e-mail or domain 0.9 (free-mail domains
// never count; a lead's or contact's e-mail domain counts as its domain); the
// same normalised company 0.95; a company name at least NearMatchThreshold
// similar min(Similarity, 0.89). Rank is deterministic.
func Rank(q Query, cands []Candidate) []Match {
	email := strings.TrimSpace(q.Email)
	if strings.IndexByte(email, '@') <= 0 {
		email = ""
	}
	var domains [2]string
	nDomains := 0
	for _, raw := range [...]string{email, q.Domain} {
		if raw == "" {
			continue
		}
		if d, ok := RegistrableDomain(raw); ok && !IsFreeMail(d) && (nDomains == 0 || domains[0] != d) {
			domains[nDomains] = d
			nDomains++
		}
	}
	var company nameTokens
	company.set(NormaliseCompany(q.Company))

	var matches []Match
	var reasons []string
	for i := range cands {
		c := &cands[i]
		score, found := 0.0, [4]bool{}
		if email != "" && strings.EqualFold(strings.TrimSpace(c.Email), email) {
			score, found[0] = EmailScore, true
		}
		if nDomains > 0 && candidateHasDomain(c, domains[:nDomains]) {
			score, found[1] = max(score, DomainScore), true
		}
		if company.n > 0 && c.Company != "" {
			key := c.CompanyKey
			if key == "" {
				key = NormaliseCompany(c.Company)
			}
			if key == company.key {
				score, found[2] = max(score, CompanyScore), true
			} else if key != "" {
				var theirs nameTokens
				theirs.set(key)
				if s := similarity(&company, &theirs); s >= NearMatchThreshold {
					score, found[3] = max(score, min(s, SimilarCompanyMaxScore)), true
				}
			}
		}
		start := len(reasons)
		for k, reason := range [...]string{ReasonEmail, ReasonDomain, ReasonCompany, ReasonSimilarCompany} {
			if found[k] {
				if reasons == nil {
					reasons = make([]string, 0, 2*len(cands))
				}
				reasons = append(reasons, reason)
			}
		}
		if len(reasons) == start {
			continue
		}
		if matches == nil {
			matches = make([]Match, 0, len(cands)-i)
		}
		matches = append(matches, Match{
			Kind: c.Kind, ID: c.ID, Score: score,
			Reasons: reasons[start:len(reasons):len(reasons)],
			Status:  c.Status, Owner: c.Owner, Company: c.Company,
		})
	}
	slices.SortStableFunc(matches, func(a, b Match) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		if a.Kind != b.Kind {
			return cmp.Or(cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(a.Kind, b.Kind))
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return matches
}

// candidateHasDomain reports whether one of c's domains (or, for a lead or a
// contact, its e-mail's domain) has one of the registrable domains wanted.
func candidateHasDomain(c *Candidate, wanted []string) bool {
	for _, raw := range c.Domains {
		if hasRegistrableDomain(raw, wanted) {
			return true
		}
	}
	if c.Kind == KindLead || c.Kind == KindContact {
		return hasRegistrableDomain(EmailDomain(c.Email), wanted)
	}
	return false
}

// hasRegistrableDomain reports whether RegistrableDomain(raw) is one of wanted.
// A plain host, as stores keep them, is compared by its suffix first, and only
// one that ends in a wanted domain is looked up.
func hasRegistrableDomain(raw string, wanted []string) bool {
	if raw == "" {
		return false
	}
	if isPlainHost(raw) {
		mayMatch := false
		for _, w := range wanted {
			if raw == w {
				return true
			}
			if len(raw) > len(w) && raw[len(raw)-len(w)-1] == '.' && raw[len(raw)-len(w):] == w {
				mayMatch = true
			}
		}
		if !mayMatch {
			return false
		}
	}
	d, ok := RegistrableDomain(raw)
	return ok && slices.Contains(wanted, d)
}

// isPlainHost reports whether s has only the characters of a lower-case ASCII
// host name, so that its registrable domain, if any, is a suffix of it.
func isPlainHost(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return !strings.HasSuffix(s, ".")
}

// kindOrder is the order of kinds among equal scores.
func kindOrder(k Kind) int {
	switch k {
	case KindLead:
		return 0
	case KindContact:
		return 1
	case KindAccount:
		return 2
	case KindRegistration:
		return 3
	}
	return 4
}
