package store

import (
	"time"

	"github.com/leadrouter/leadrouter"
)

// The claims' searches, for TestMatchQueriesUseIndexes (package store_test)
// to read the plans of the searches ClaimsFor runs.
const (
	PartnerLeadsAtAccount         = partnerLeadsAtAccount
	PartnerOpportunitiesAtAccount = partnerOpportunitiesAtAccount
	PartnerLeadsAtDomain          = partnerLeadsAtDomain
	PartnerLeadsAtCompany         = partnerLeadsAtCompany
)

// MatchStatement is the one statement MatchCandidates runs for q on
// engine, for TestMatchQueriesUseIndexes.
func MatchStatement(engine Engine, q leadrouter.MatchQuery) (string, []any) {
	return matchStatement(engine, q)
}

// ClaimsStatement is the one statement ClaimsFor runs for q, for
// TestMatchQueriesUseIndexes.
func ClaimsStatement(q ClaimsQuery) (string, []any) {
	return claimsStatement(q, time.Now())
}

// AccountMatchStatement is the one statement MatchAccount runs, for
// TestMatchQueriesUseIndexes.
func AccountMatchStatement(domain, companyKey string) (string, []any) {
	return accountMatchStatement(domain, companyKey)
}

// SelfReferralStatement is the one statement PartnerOwnsDomainOrUser
// runs, for TestMatchQueriesUseIndexes.
func SelfReferralStatement(partnerID, email string) (string, []any) {
	return selfReferralStatement(partnerID, email)
}
