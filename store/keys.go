package store

import "github.com/leadrouter/leadrouter/match"

// companyKey is the exact-match key of a company name.
func companyKey(name string) string { return match.NormaliseCompany(name) }

// companyTokens are the near-miss index keys of a company name.
func companyTokens(name string) []string { return match.CompanyTokens(name) }

// companyWords are the words of a company name its tokens include as they
// are, at most four (a search for names containing all of them).
func companyWords(name string) []string {
	words := match.CompanyWords(name)
	return words[:min(len(words), 4)]
}
