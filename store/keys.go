package store

import "github.com/leadrouter/leadrouter/match"

// companyKey is the exact-match key of a company name.
func companyKey(name string) string { return match.NormaliseCompany(name) }

// companyTokens are the near-miss index keys of a company name.
func companyTokens(name string) []string { return match.CompanyTokens(name) }
