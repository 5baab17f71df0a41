package match

// Keys is the matcher's normalisation as the store needs it
// (leadrouter.MatchKeys): the store indexes company names and checks
// free-mail domains with it.
type Keys struct{}

// CompanyKey is NormaliseCompany.
func (Keys) CompanyKey(name string) string { return NormaliseCompany(name) }

// CompanyTokens is CompanyTokens.
func (Keys) CompanyTokens(name string) []string { return CompanyTokens(name) }

// CompanyWords is CompanyWords.
func (Keys) CompanyWords(name string) []string { return CompanyWords(name) }

// FreeMail is IsFreeMail.
func (Keys) FreeMail(domain string) bool { return IsFreeMail(domain) }
