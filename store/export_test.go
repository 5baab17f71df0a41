package store

// The claims' searches, for TestMatchQueriesUseIndexes (package store_test)
// to read the plans of the statements OpenPartnerRecordsAt runs.
const (
	PartnerLeadsAtAccount         = partnerLeadsAtAccount
	PartnerOpportunitiesAtAccount = partnerOpportunitiesAtAccount
	PartnerLeadsAtDomain          = partnerLeadsAtDomain
	PartnerLeadsAtCompany         = partnerLeadsAtCompany
)
