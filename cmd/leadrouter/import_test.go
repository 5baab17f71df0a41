package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestImportIndexesCompanyWords: `leadrouter import leads`, with no server
// running, leaves every lead it stored findable by the words of its
// company, as a server's indexer would.
func TestImportIndexesCompanyWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		dbURL := storetest.MustURL(t, engine)
		dir := t.TempDir()
		rows := []string{"First Name,Last Name,Email,Company,Country,Job Title,Lead Source",
			"Ada,Hopper,ada@wordly.example,Wordly Brewing Company GmbH,DE,CTO,trade_show",
			"Ben,Lamport,ben@quill.example,Quill Brewing Works,AT,CIO,trade_show",
			"Cy,Liskov,cy@other.example,Somethingelse Holding AG,CH,CEO,trade_show",
		}
		file := filepath.Join(dir, "leads.csv")
		if err := os.WriteFile(file, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if err := run(ctx, []string{"import", "leads", file, "--db", dbURL, "--report", filepath.Join(dir, "report.csv")}, nil, &out, &errOut); err != nil {
			t.Fatalf("import: %v\n%s", err, errOut.String())
		}
		db := storetest.MustOpenURL(t, dbURL)
		var left int64
		var found []leadrouter.MatchCandidate
		if err := db.View(ctx, func(tx *store.Tx) (err error) {
			if left, err = tx.LeadsToIndex(ctx); err != nil {
				return err
			}
			found, err = tx.MatchCandidates(ctx, leadrouter.MatchQuery{Tokens: match.CompanyTokens("Brewing"), Limit: 10})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d imported leads left for a server to index", left)
		}
		var emails []string
		for _, c := range found {
			emails = append(emails, c.Email)
		}
		if len(found) != 2 || !strings.Contains(strings.Join(emails, " "), "ada@wordly.example") || !strings.Contains(strings.Join(emails, " "), "ben@quill.example") {
			t.Errorf("the word Brewing finds %v, want the two breweries imported", emails)
		}
	})
}
