package intake_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// importRows returns the size of the import acceptance test: 100k rows
// (LEADROUTER_IMPORT_ROWS overrides; -short uses 3k).
func importRows(t *testing.T) int {
	if v := os.Getenv("LEADROUTER_IMPORT_ROWS"); v != "" {
		n, _ := strconv.Atoi(v)
		return n
	}
	// Every case the file mixes in (duplicates, rejections, blank rows)
	// comes round every 25 rows or fewer, so 5,000 rows cover them many
	// times over; LEADROUTER_IMPORT_ROWS=100000 runs the same test at scale.
	return 5000
}

// makeCSV builds a CRM-style export: every 10th row repeats an earlier
// person (a duplicate), every 25th is bad (no e-mail, a country that does
// not exist), and now and then one is blank (only separators).
func makeCSV(n int) (csv string, created, merged, rejected, blank int) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Company,Country,Lead Source,Title\n")
	for i := 1; i <= n; i++ {
		switch {
		case i%1000 == 7:
			b.WriteString(",,, ,,,\n")
			blank++
		case i%25 == 0:
			fmt.Fprintf(&b, "Bad,Row%d,,Nowhere Inc,Atlantis,Web,\n", i)
			rejected++
		case i%10 == 0:
			// The same person as row i-5 (whichever of the two rows is
			// stored first, the other is merged into it).
			fmt.Fprintf(&b, "Again,Person%d,person%d@firm%d.example,\"Firm %d, Inc.\",Germany,Phone Inquiry,CFO\n", i, i-5, (i-5)%997, (i-5)%997)
			if (i-5)%25 == 0 {
				created++ // row i-5 was bad: this is the person's only good row
			} else {
				merged++
			}
		default:
			fmt.Fprintf(&b, "First%d,Person%d,person%d@firm%d.example,\"Firm %d, Inc.\",DE,Web,Director\n", i, i, i, i%997, i%997)
			created++
		}
	}
	return b.String(), created, merged, rejected, blank
}

func TestImportIsReRunnable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, db := newService(t, engine)
		n := importRows(t)
		csv, created, merged, rejected, blank := makeCSV(n)
		var outcomes []intake.RowOutcome
		rep, err := svc.Import(ctx, admin, strings.NewReader(csv), 64, func(o intake.RowOutcome) { outcomes = append(outcomes, o) })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != n || rep.Created != created || rep.Merged != merged || rep.Rejected != rejected || rep.Skipped != blank || blank == 0 {
			for _, o := range outcomes {
				if o.Outcome == "rejected" && !strings.Contains(o.Detail, "Atlantis") {
					t.Errorf("unexpected rejection: %+v", o)
				}
			}
			t.Fatalf("first run %+v, want %d created %d merged %d rejected %d skipped", rep, created, merged, rejected, blank)
		}
		for i, o := range outcomes {
			if o.Row != i+1 {
				t.Fatalf("outcome %d is for row %d", i, o.Row)
			}
			if o.Outcome == "rejected" && !strings.Contains(o.Detail, "Atlantis") {
				t.Errorf("unexpected rejection: %+v", o)
			}
			if o.Outcome == "merged" && !strings.Contains(o.Detail, "merged into existing lead") {
				t.Fatalf("merge without target: %+v", o)
			}
		}
		again, err := svc.Import(ctx, admin, strings.NewReader(csv), 64, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Created != 0 || again.Merged != 0 || again.Unchanged != created+merged || again.Rejected != rejected || again.Skipped != blank {
			t.Fatalf("second run %+v", again)
		}
		leads, _ := countLeads(t, db)
		if leads != created {
			t.Fatalf("%d leads, want %d", leads, created)
		}
	})
}

// TestImportSpreadsheetExports: what CRMs and spreadsheets write - a
// byte-order mark before a quoted header, semicolons (European Excel),
// quoted fields holding the separator, employee counts with thousands
// separators or as ranges - imports; a count that is no number is left
// out and the report says so.
func TestImportSpreadsheetExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc, _ := newService(t, engine)
		for _, c := range []struct {
			name, csv string
			sizes     []int
		}{
			{"salesforce with BOM", "\ufeff\"First Name\",\"Last Name\",\"Email\",\"Company\",\"Country\",\"Number of Employees\"\r\n" +
				"\"Ada\",\"Lovelace\",\"ada@engines.example\",\"Analytical Engines, Ltd\",\"GB\",\"1,200\"\r\n" +
				"\"Charles\",\"Babbage\",\"charles@engines.example\",\"Difference Co\",\"GB\",\"51-200\"\r\n", []int{1200, 51}},
			{"semicolons", "Vorname;Nachname;E-Mail;Firma;Land;Mitarbeiter\n" +
				"Grete;Müller;grete@firma.example;\"Müller; Söhne GmbH\";Deutschland;1.500\n", []int{1500}},
		} {
			t.Run(c.name, func(t *testing.T) {
				var outcomes []intake.RowOutcome
				rep, err := svc.Import(ctx, admin, strings.NewReader(c.csv), 4, func(o intake.RowOutcome) { outcomes = append(outcomes, o) })
				if err != nil {
					t.Fatal(err)
				}
				if rep.Created != len(c.sizes) {
					t.Fatalf("report %+v, outcomes %+v", rep, outcomes)
				}
				for i, o := range outcomes {
					var l leadrouter.Lead
					if err := svc.DB.View(ctx, func(tx *store.Tx) error {
						var err error
						l, err = tx.Lead(ctx, admin, o.LeadID)
						return err
					}); err != nil {
						t.Fatal(err)
					}
					if l.CompanySize != c.sizes[i] {
						t.Errorf("row %d: company size %d, want %d", i+1, l.CompanySize, c.sizes[i])
					}
				}
			})
		}
		var outcomes []intake.RowOutcome
		rep, err := svc.Import(ctx, admin, strings.NewReader("Last Name,Email,Company,Country,Employees\nOdd,odd@size.example,Odd Size,US,lots\nDecimal,dec@size.example,Decimal Size,US,\"12,5\"\n"), 1,
			func(o intake.RowOutcome) { outcomes = append(outcomes, o) })
		if err != nil || rep.Created != 2 || !strings.Contains(outcomes[0].Detail, `company size "lots" ignored`) || !strings.Contains(outcomes[1].Detail, `company size "12,5" ignored`) {
			t.Fatalf("an unreadable count: %+v %+v %v", rep, outcomes, err)
		}
	})
}

// TestImportIsDeterministic: the same file into two fresh databases gives
// the same leads and the same report, row for row, although rows are
// prepared by 64 workers: the file repeats people with other company
// spellings and consent (the first row creates, later ones are responses),
// and round robin among three partners hands the new leads out in file
// order.
func TestImportIsDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		var b strings.Builder
		b.WriteString("First Name,Last Name,Email,Company,Country,Consent\n")
		for i := 1; i <= 600; i++ {
			person := i
			company := fmt.Sprintf("Maison %d SARL", i%53)
			if i%4 == 0 {
				person = i - 3 // the same person as three rows up, spelled otherwise
				company = fmt.Sprintf("MAISON %d S.A.R.L.", (i-3)%53)
			}
			fmt.Fprintf(&b, "Jeanne%d,Dupont%d,jd%d@maison%d.example,%s,FR,%v\n", i, person, person, person%53, company, i%3 == 0)
		}
		file := b.String()
		type leadKey struct {
			Email, Company, Owner, Status string
			Responses                     int
			Consent                       bool
		}
		run := func() ([]leadKey, []string) {
			svc, _, db := newRoutedService(t, engine)
			for _, name := range []string{"Paris Conseil", "Lyon Logiciels", "Nantes Numérique"} {
				mustPartner(t, db, leadrouter.NewPartner{Name: name, Countries: []string{"FR"}})
			}
			var report []string
			created := map[string]int{}
			if _, err := svc.Import(ctx, admin, strings.NewReader(file), 64, func(o intake.RowOutcome) {
				// Lead ids differ between databases: the report is compared
				// with each id replaced by the row that created it.
				detail := o.Detail
				if o.Outcome == "created" {
					created[o.LeadID] = o.Row
				}
				if o.LeadID != "" {
					detail = strings.ReplaceAll(detail, o.LeadID, fmt.Sprint("lead of row ", created[o.LeadID]))
				}
				report = append(report, fmt.Sprintf("%d %s %s %d", o.Row, o.Outcome, detail, created[o.LeadID]))
			}); err != nil {
				t.Fatal(err)
			}
			var leads []leadKey
			if err := db.View(ctx, func(tx *store.Tx) error {
				rows, err := tx.Query(ctx, `SELECT l.email, l.company, COALESCE(p.name, l.owner_kind), l.status, l.responses, l.consent_share
					FROM leads l LEFT JOIN partners p ON p.id = l.owner_partner_id ORDER BY l.email`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var k leadKey
					if err := rows.Scan(&k.Email, &k.Company, &k.Owner, &k.Status, &k.Responses, &k.Consent); err != nil {
						return err
					}
					leads = append(leads, k)
				}
				return rows.Err()
			}); err != nil {
				t.Fatal(err)
			}
			return leads, report
		}
		leadsA, reportA := run()
		leadsB, reportB := run()
		if len(leadsA) != 450 {
			t.Fatalf("%d leads, want 450 (every 4th row repeats a person)", len(leadsA))
		}
		owners := map[string]int{}
		for _, l := range leadsA {
			owners[l.Owner]++
			if strings.HasPrefix(l.Company, "MAISON") {
				t.Fatalf("%s kept a later row's company %q: the first row creates", l.Email, l.Company)
			}
		}
		if len(owners) != 3 {
			t.Fatalf("owners %v, want the three partners in turn", owners)
		}
		if fmt.Sprint(leadsA) != fmt.Sprint(leadsB) {
			for i := range leadsA {
				if leadsA[i] != leadsB[i] {
					t.Fatalf("lead %d differs between two runs of one file:\n%+v\n%+v", i, leadsA[i], leadsB[i])
				}
			}
		}
		for i := range reportA {
			if reportA[i] != reportB[i] {
				t.Fatalf("the reports of two runs of one file differ:\n%s\n%s", reportA[i], reportB[i])
			}
		}
	})
}
