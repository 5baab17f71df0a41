package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/leadrouter/leadrouter"
	adminuc "github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// BenchmarkMatchCandidates measures one match lookup (what GET
// /api/v1/matches runs) against 100k leads and 10k accounts; the full-size
// figure comes from bench/ingest.
func BenchmarkMatchCandidates(b *testing.B) {
	ctx := context.Background()
	db := storetest.MustOpen(b, store.SQLite)
	words := []string{"Acme", "Global", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Blue", "Yonder", "Alpine", "Coho", "Datum"}
	name := func(i int) string {
		return fmt.Sprintf("%s %s %d Inc", words[i%len(words)], words[(i/7)%len(words)], i%10000)
	}
	for lo := 0; lo < 100_000; lo += 10_000 {
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for i := lo; i < lo+10_000; i++ {
				if i < 10_000 {
					if _, err := adminuc.CreateAccount(ctx, tx, leadrouter.System, leadrouter.NewAccount{Name: name(i), Domains: []string{fmt.Sprintf("c%d.example", i)}}); err != nil {
						return err
					}
				}
				l := leadrouter.Lead{Status: "nurturing", LastName: "L", Email: fmt.Sprintf("p%d@c%d.example", i, i%10000), Company: name(i),
					Source: "import", Owner: leadrouter.Owner{Kind: "queue", ID: "q"}}
				if err := tx.InsertLead(ctx, &l); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		company := name(i * 13)
		q := leadrouter.MatchQuery{Email: fmt.Sprintf("p%d@c%d.example", i, i%10000), Domain: fmt.Sprintf("c%d.example", i%10000),
			CompanyKey: match.NormaliseCompany(company), Tokens: match.CompanyTokens(company), Limit: 40}
		if err := db.View(ctx, func(tx *store.Tx) error {
			_, err := tx.MatchCandidates(ctx, q)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
