package intake

import (
	"context"

	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// MatchAccount finds the lead's account: by the e-mail's domain (the
// account's domain or a parent of it, so emea.acme.com finds acme.com;
// free-mail domains never match), else by the normalised company name.
func MatchAccount(ctx context.Context, tx *store.Tx, email, company string) (id, reason string, err error) {
	if email != "" {
		domain := match.EmailDomain(email)
		if domain != "" && !match.IsFreeMail(domain) {
			if id, err = tx.AccountByDomain(ctx, domain); err != nil || id != "" {
				return id, "email_domain", err
			}
			if reg, ok := match.RegistrableDomain(domain); ok && reg != domain {
				if id, err = tx.AccountByDomain(ctx, reg); err != nil || id != "" {
					return id, "email_domain", err
				}
			}
		}
	}
	if key := match.NormaliseCompany(company); key != "" {
		id, err = tx.AccountByCompanyKey(ctx, key)
		return id, "company_name", err
	}
	return "", "", nil
}
