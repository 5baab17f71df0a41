package store

import "github.com/leadrouter/leadrouter"

// The claims' searches, for TestMatchQueriesUseIndexes (package store_test)
// to read the plans of the statements OpenPartnerRecordsAt runs.
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
