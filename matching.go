package leadrouter

// MatchQuery is what a match lookup searches by; empty fields are skipped.
// Domain is a registrable domain (acme.com), CompanyKey a normalised name.
type MatchQuery struct {
	Email      string
	Domain     string
	CompanyKey string
	Tokens     []string
	// Limit bounds the near-miss candidates fetched through the token index.
	Limit int
}

// MatchCandidate is a record that may be the same person or company.
type MatchCandidate struct {
	Kind      string // lead, contact, account, registration
	ID        string
	Email     string
	Company   string
	Domains   []string
	Status    string
	Owner     string // "partner:<id>", "user:<id>", "queue:<name>" or ""
	PartnerID string // the owning or registering partner, if any
	Reserved  string // the partner a lead is reserved for
	RootID    string // an account's hierarchy root
	Expires   string // a registration's expiry (RFC 3339) or ""
}

// AccountMatch is the account a new lead belongs to and who owns it.
type AccountMatch struct {
	ID string
	// By is "email_domain" or "company_name".
	By string
	// OwnerPartnerID is the partner owning the account or, failing that,
	// its hierarchy (see HierarchyOwner); "" for none.
	OwnerPartnerID string
}
