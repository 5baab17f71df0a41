package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

const accountColumns = `id, name, country, COALESCE(parent_id, ''), root_id, COALESCE(owner_partner_id, ''), created_at`

func scanAccount(s interface{ Scan(...any) error }) (leadrouter.Account, error) {
	var a leadrouter.Account
	err := s.Scan(&a.ID, &a.Name, &a.Country, &a.ParentID, &a.RootID, &a.OwnerPartnerID, &a.CreatedAt)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

// accountVisibility limits partner users to the accounts their partner owns.
func accountVisibility(actor leadrouter.Actor) (string, []any) {
	switch {
	case actor.IsPartner():
		return "owner_partner_id = ?", []any{actor.PartnerID}
	case actor.IsStaff():
		return "1 = 1", nil
	}
	return "1 = 0", nil
}

// insertAccount is InsertAccount's statement (TestWritesScanNoTable reads
// its program).
const insertAccount = `INSERT INTO accounts (id, name, name_key, country, parent_id, root_id, owner_partner_id, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertAccount stores a new account with its domains (each may belong to
// one account only: another's is ECONFLICT) and its company tokens.
func (tx *Tx) InsertAccount(ctx context.Context, a leadrouter.Account) error {
	if _, err := tx.Exec(ctx, insertAccount, a.ID, a.Name, tx.companyKey(a.Name), a.Country, nullString(a.ParentID), a.RootID,
		nullString(a.OwnerPartnerID), a.CreatedAt, a.CreatedAt); err != nil {
		return fmt.Errorf("insert account: %w", err)
	}
	for _, d := range a.Domains {
		if _, err := tx.Exec(ctx, `INSERT INTO account_domains (domain, account_id) VALUES (?, ?)`, d, a.ID); isUniqueViolation(err) {
			return &leadrouter.Error{Code: leadrouter.ECONFLICT, Message: "A domain belongs to another account.",
				Fields: []leadrouter.FieldError{{Field: "domains", Message: d + " is already another account's domain"}}}
		} else if err != nil {
			return fmt.Errorf("insert account domain: %w", err)
		}
	}
	return tx.indexCompany(ctx, "account", a.ID, a.Name)
}

// insertTokens and tokensOnConflict frame a multi-row INSERT of company
// tokens (indexCompany, and the deferred writes of a batch).
const (
	insertTokens     = `INSERT INTO company_tokens (token, kind, ref_id) VALUES `
	tokensOnConflict = ` ON CONFLICT DO NOTHING`
)

// indexCompany writes the near-miss tokens of a company name for ref.
func (tx *Tx) indexCompany(ctx context.Context, kind, refID, name string) error {
	tokens := tx.companyTokens(name)
	if len(tokens) == 0 {
		return nil
	}
	if d := tx.deferred; d != nil {
		for _, tok := range tokens {
			d.tokens = append(d.tokens, []any{tok, kind, refID})
		}
		return nil
	}
	args := make([]any, 0, 3*len(tokens))
	for _, tok := range tokens {
		args = append(args, tok, kind, refID)
	}
	if _, err := tx.Exec(ctx, insertTokens+valueRows(3, len(tokens))+tokensOnConflict, args...); err != nil {
		return fmt.Errorf("index company name: %w", err)
	}
	return nil
}

// Account returns one account as actor may see it.
func (tx *Tx) Account(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Account, error) {
	cond, args := accountVisibility(actor)
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return a, notFound(err, "Account")
	}
	a.Domains, err = tx.accountDomains(ctx, a.ID)
	return a, err
}

func (tx *Tx) accountDomains(ctx context.Context, id string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT domain FROM account_domains WHERE account_id = ? ORDER BY domain`, id)
	if err != nil {
		return nil, fmt.Errorf("read account domains: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Accounts lists the accounts actor may see, by id.
func (tx *Tx) Accounts(ctx context.Context, actor leadrouter.Actor, limit int, cursor string) (Page[leadrouter.Account], error) {
	limit = clampLimit(limit)
	cond, args := accountVisibility(actor)
	rows, err := tx.Query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id > ? AND `+cond+` ORDER BY id LIMIT ?`, append(append([]any{cursor}, args...), limit+1)...)
	if err != nil {
		return Page[leadrouter.Account]{}, fmt.Errorf("list accounts: %w", err)
	}
	var items []leadrouter.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return Page[leadrouter.Account]{}, err
		}
		items = append(items, a)
	}
	rows.Close()
	for i := range items {
		if items[i].Domains, err = tx.accountDomains(ctx, items[i].ID); err != nil {
			return Page[leadrouter.Account]{}, err
		}
	}
	return cut(items, limit, func(a leadrouter.Account) string { return a.ID }), nil
}

// hierarchyOwnerOf is the partner owning account a (of the query it is
// part of) or, failing that, the lowest partner id owning an account of its
// hierarchy; ” for none.
const hierarchyOwnerOf = `COALESCE(a.owner_partner_id, (SELECT MIN(f.owner_partner_id) FROM accounts f
	WHERE f.root_id = a.root_id AND f.owner_partner_id IS NOT NULL), '')`

// HierarchyOwner returns the partner owning accountID or any account in its
// hierarchy (the account itself first, else the lowest partner id owning
// an account of its hierarchy), or "".
func (tx *Tx) HierarchyOwner(ctx context.Context, accountID string) (string, error) {
	var owner string
	err := tx.QueryRow(ctx, `SELECT `+hierarchyOwnerOf+` FROM accounts a WHERE a.id = ?`, accountID).Scan(&owner)
	return owner, notFound(err, "Account")
}
