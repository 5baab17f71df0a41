package intake

import (
	"context"

	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// MatchAccount finds the lead's account: by the e-mail's domain (the
// account's domain or a parent of it, so emea.acme.com finds acme.com;
// free-mail domains never match), else by the normalised company name; and
// the partner owning it or its hierarchy.
func MatchAccount(ctx context.Context, tx *store.Tx, email, company string) (store.AccountMatch, bool, error) {
	var domain string
	if email != "" {
		if d := match.EmailDomain(email); d != "" && !match.IsFreeMail(d) {
			domain = d
		}
	}
	return tx.MatchAccount(ctx, domain, match.NormaliseCompany(company))
}
