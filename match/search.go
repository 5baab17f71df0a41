package match

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// Source is the candidate search behind the matcher: the store implements
// it (store.Tx) with index lookups only; tests give it an in-memory fake.
type Source interface {
	// MatchCandidates fetches the records sharing any key of q.
	MatchCandidates(ctx context.Context, q leadrouter.MatchQuery) ([]leadrouter.MatchCandidate, error)
	// MatchAccount finds the account owning domain or a parent of it, else
	// the oldest account whose normalised name is companyKey.
	MatchAccount(ctx context.Context, domain, companyKey string) (leadrouter.AccountMatch, bool, error)
}

// Result is one candidate of a lookup, as the API and the portal show it.
type Result struct {
	Kind    string   `json:"kind"`
	ID      string   `json:"id"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	Status  string   `json:"status"`
	Owner   string   `json:"owner"`
	// Company names the record: its company, or the account's name.
	Company string `json:"company,omitempty"`
}

// lookupCandidates bounds the near-miss candidates a lookup fetches.
const lookupCandidates = 16

// Lookup finds the records that may be the prospect given by e-mail,
// company and domain (W3, GET /matches): the keys are computed here, the
// candidates come from src through indexes, and Rank orders them. Rejected
// and expired registrations are left out: nobody works the prospect under
// them.
func Lookup(ctx context.Context, src Source, email, company, domain string, now time.Time) ([]Result, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	company = strings.TrimSpace(company)
	domain = strings.TrimSpace(domain)
	var v leadrouter.Validation
	if email == "" && company == "" && domain == "" {
		v.Add("email", "give an e-mail, a company or a domain")
	}
	if len(email) > 254 || len(company) > 300 || len(domain) > 253 {
		v.Add("query", "is too long")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q := leadrouter.MatchQuery{Email: email, CompanyKey: NormaliseCompany(company), Tokens: CompanyTokens(company), Limit: lookupCandidates}
	host := domain
	if host == "" && email != "" {
		host = EmailDomain(email)
	}
	if host != "" {
		if reg, ok := RegistrableDomain(host); ok && !IsFreeMail(reg) {
			q.Domain = reg
		}
	}
	cands, err := src.MatchCandidates(ctx, q)
	if err != nil {
		return nil, err
	}
	in := make([]Candidate, 0, len(cands))
	for _, c := range cands {
		if c.Kind == string(KindRegistration) && !liveRegistration(c, now) {
			continue
		}
		in = append(in, Candidate{Kind: Kind(c.Kind), ID: c.ID, Email: c.Email, Company: c.Company, Domains: c.Domains, Status: c.Status, Owner: c.Owner})
	}
	ranked := Rank(Query{Email: email, Company: company, Domain: domain}, in)
	out := make([]Result, 0, len(ranked))
	for _, m := range ranked {
		out = append(out, Result{Kind: string(m.Kind), ID: m.ID, Score: math.Round(m.Score*1000) / 1000, Reasons: m.Reasons, Status: m.Status, Owner: m.Owner, Company: m.Company})
	}
	return out, nil
}

// liveRegistration reports whether a registration candidate still stands:
// pending, or approved and not past its expiry.
func liveRegistration(c leadrouter.MatchCandidate, now time.Time) bool {
	switch leadrouter.RegistrationStatus(c.Status) {
	case leadrouter.RegistrationPending:
		return true
	case leadrouter.RegistrationApproved:
		expires, err := time.Parse(time.RFC3339, c.Expires)
		return c.Expires == "" || err != nil || expires.After(now)
	}
	return false
}

// Account finds a new lead's account (W3 at capture): by the e-mail's
// domain (the account's domain or a parent of it, so emea.acme.com finds
// acme.com; free-mail domains never match), else by the normalised company
// name; and the partner owning it or its hierarchy.
func Account(ctx context.Context, src Source, email, company string) (leadrouter.AccountMatch, bool, error) {
	var domain string
	if email != "" {
		if d := EmailDomain(email); d != "" && !IsFreeMail(d) {
			domain = d
		}
	}
	return src.MatchAccount(ctx, domain, NormaliseCompany(company))
}
