package store

// companyKey is the exact-match key of a company name.
func (tx *Tx) companyKey(name string) string { return tx.db.keys.CompanyKey(name) }

// companyTokens are the near-miss index keys of a company name.
func (tx *Tx) companyTokens(name string) []string { return tx.db.keys.CompanyTokens(name) }

// companyWords are the words of a company name its tokens include as they
// are, at most four (a search for names containing all of them).
func (tx *Tx) companyWords(name string) []string {
	words := tx.db.keys.CompanyWords(name)
	return words[:min(len(words), 4)]
}
