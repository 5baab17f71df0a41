package intake

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// MatchResult is one candidate of a match lookup.
type MatchResult struct {
	Kind    string   `json:"kind"`
	ID      string   `json:"id"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	Status  string   `json:"status"`
	Owner   string   `json:"owner"`
}

// Lookup finds the records that may be the prospect given by e-mail,
// company and domain (W3): candidates come through indexes only and are
// ranked by the match package.
func Lookup(ctx context.Context, db *store.DB, email, company, domain string) ([]MatchResult, error) {
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
	q := store.MatchQuery{Email: email, CompanyKey: match.NormaliseCompany(company), Tokens: match.CompanyTokens(company), Limit: 16}
	host := domain
	if host == "" && email != "" {
		host = match.EmailDomain(email)
	}
	if host != "" {
		if reg, ok := match.RegistrableDomain(host); ok && !match.IsFreeMail(reg) {
			q.Domain = reg
		}
	}
	var cands []store.MatchCandidate
	// No snapshot needed: on PostgreSQL the three statements run without
	// a transaction's two extra round trips.
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		cands, err = tx.MatchCandidates(ctx, q)
		return err
	}); err != nil {
		return nil, err
	}
	in := make([]match.Candidate, 0, len(cands))
	now := time.Now()
	for _, c := range cands {
		if c.Kind == "registration" && !liveRegistration(c, now) {
			continue // rejected or expired: nobody is working with them under it
		}
		in = append(in, match.Candidate{Kind: match.Kind(c.Kind), ID: c.ID, Email: c.Email, Company: c.Company, Domains: c.Domains, Status: c.Status, Owner: c.Owner})
	}
	ranked := match.Rank(match.Query{Email: email, Company: company, Domain: domain}, in)
	out := make([]MatchResult, 0, len(ranked))
	for _, m := range ranked {
		out = append(out, MatchResult{Kind: string(m.Kind), ID: m.ID, Score: math.Round(m.Score*1000) / 1000, Reasons: m.Reasons, Status: m.Status, Owner: m.Owner})
	}
	return out, nil
}

// liveRegistration reports whether a registration candidate still stands:
// pending, or approved and not past its expiry.
func liveRegistration(c store.MatchCandidate, now time.Time) bool {
	switch leadrouter.RegistrationStatus(c.Status) {
	case leadrouter.RegistrationPending:
		return true
	case leadrouter.RegistrationApproved:
		expires, err := time.Parse(time.RFC3339, c.Expires)
		return c.Expires == "" || err != nil || expires.After(now)
	}
	return false
}
