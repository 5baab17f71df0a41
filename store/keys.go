package store

import "strings"

// companyKey is the exact-match key of a company name.
func companyKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// companyTokens are the near-miss index keys of a company name.
func companyTokens(name string) []string { return strings.Fields(companyKey(name)) }
