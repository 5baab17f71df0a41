package match

import (
	"fmt"
	"testing"
)

var benchNames = []string{
	"The Pop Cynthia Project, Inc.",
	"Société Générale S.A.",
	"Acme GmbH & Co. KG",
	"International Business Machines Corporation",
	"Tata Consultancy Services Pvt Ltd",
	"トヨタ自動車株式会社",
}

func BenchmarkNormaliseCompany(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		NormaliseCompany(benchNames[i%len(benchNames)])
	}
}

func BenchmarkCompanyTokens(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		CompanyTokens(benchNames[i%len(benchNames)])
	}
}

func BenchmarkSimilarity(b *testing.B) {
	pairs := [][2]string{
		{"pop cynthia project", "pop cynthia projet"},
		{"acme", "acme bank"},
		{"international business machines", "ibm"},
		{"first national bank of omaha", "first national bank of oklahoma"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := pairs[i%len(pairs)]
		Similarity(p[0], p[1])
	}
}

func BenchmarkRegistrableDomain(b *testing.B) {
	inputs := []string{"bob@EMEA.Acme.com", "sales.tyrell.co.uk", "https://www.acme.com/x", "acme.com"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		RegistrableDomain(inputs[i%len(inputs)])
	}
}

func BenchmarkIsFreeMail(b *testing.B) {
	inputs := []string{"gmail.com", "acme.com", "mail.yahoo.co.uk", "tyrell.co.uk"}
	IsFreeMail("warm up")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		IsFreeMail(inputs[i%len(inputs)])
	}
}

// benchCandidates returns about 50 candidates of the shape a store fetches for
// one query: a few with the same e-mail or domain, many sharing a word.
func benchCandidates(withKeys bool) []Candidate {
	var cands []Candidate
	for i := range 50 {
		c := Candidate{ID: fmt.Sprintf("id%02d", i), Status: "new", Owner: "u1"}
		switch i % 5 {
		case 0:
			c.Kind, c.Email, c.Company = KindLead, fmt.Sprintf("person%d@acme.com", i), "Acme Corp"
		case 1:
			c.Kind, c.Email, c.Company = KindContact, fmt.Sprintf("person%d@gmail.com", i), "ACME Inc."
		case 2:
			c.Kind, c.Company, c.Domains = KindAccount, fmt.Sprintf("Acme Bank %d", i), []string{fmt.Sprintf("acmebank%d.com", i)}
		case 3:
			c.Kind, c.Company, c.Domains = KindAccount, "Acme Holdings Ltd", []string{"acme.com", "emea.acme.com"}
		case 4:
			c.Kind, c.Company, c.Domains = KindRegistration, "Acme Consulting Group", []string{"acme-consulting.de"}
		}
		if withKeys {
			c.CompanyKey = NormaliseCompany(c.Company)
		}
		cands = append(cands, c)
	}
	return cands
}

func BenchmarkRank(b *testing.B) {
	for _, withKeys := range []bool{false, true} {
		b.Run(fmt.Sprintf("stored_keys=%v", withKeys), func(b *testing.B) {
			cands := benchCandidates(withKeys)
			q := Query{Email: "Bob@EMEA.Acme.com", Company: "The Acme Company", Domain: "www.acme.com"}
			IsFreeMail("warm up")
			b.ReportAllocs()
			for b.Loop() {
				Rank(q, cands)
			}
		})
	}
}

// BenchmarkSimilarityWorstCase compares two names of many long, alike words:
// the most work Similarity does, which a hostile form could ask for.
func BenchmarkSimilarityWorstCase(b *testing.B) {
	var x, y string
	for i := range maxNameTokens {
		x += fmt.Sprintf("abcdefghijklmnopqrstuvwxyz%02d ", i)
		y += fmt.Sprintf("abcdefghijklmnopqrstuvwxzy%02d ", 15-i)
	}
	b.ReportAllocs()
	for b.Loop() {
		Similarity(x, y)
	}
}
