package leadrouter

// MatchKeys derives what the store indexes and checks about names and
// domains: the exact-match key and near-miss tokens of a company name, its
// distinctive words, and whether a domain is a free-mail provider's. The
// match package implements it (match.Keys); the store is given one, so it
// runs the matcher's normalisation without depending on it.
type MatchKeys interface {
	// CompanyKey is the exact-match key of a company name.
	CompanyKey(name string) string
	// CompanyTokens are the near-miss index keys of a company name.
	CompanyTokens(name string) []string
	// CompanyWords are the distinctive words of a company name.
	CompanyWords(name string) []string
	// FreeMail reports whether domain is a free-mail provider's.
	FreeMail(domain string) bool
}
