package match

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNormaliseCompany checks that NormaliseCompany never panics, is
// idempotent and returns clean keys, and that CompanyTokens stays small.
func FuzzNormaliseCompany(f *testing.F) {
	f.Add("The Pop Cynthia Project, Inc.")
	f.Fuzz(func(t *testing.T, name string) {
		key := NormaliseCompany(name)
		if again := NormaliseCompany(key); again != key {
			t.Fatalf("NormaliseCompany(%q) = %q, but NormaliseCompany(%q) = %q", name, key, key, again)
		}
		if strings.HasPrefix(key, " ") || strings.HasSuffix(key, " ") || strings.Contains(key, "  ") {
			t.Fatalf("NormaliseCompany(%q) = %q: stray spaces", name, key)
		}
		if utf8.ValidString(name) && !utf8.ValidString(key) {
			t.Fatalf("NormaliseCompany(%q) = %q: invalid UTF-8", name, key)
		}
		tokens := CompanyTokens(name)
		if len(tokens) > MaxCompanyTokens {
			t.Fatalf("CompanyTokens(%q) has %d tokens", name, len(tokens))
		}
		for _, token := range tokens {
			if token == "" {
				t.Fatalf("CompanyTokens(%q) = %q: an empty token", name, tokens)
			}
		}
		if (key == "") != (len(tokens) == 0) {
			t.Fatalf("NormaliseCompany(%q) = %q but CompanyTokens = %q", name, key, tokens)
		}
	})
}

// FuzzRegistrableDomain checks that RegistrableDomain never panics, returns
// lower-case ASCII domains, and is idempotent; and that IsFreeMail and
// EmailDomain never panic on the same input.
func FuzzRegistrableDomain(f *testing.F) {
	f.Add("bob@EMEA.Acme.com")
	f.Fuzz(func(t *testing.T, s string) {
		IsFreeMail(s)
		if d := EmailDomain(s); d != strings.ToLower(d) {
			t.Fatalf("EmailDomain(%q) = %q: not lower-case", s, d)
		}
		domain, ok := RegistrableDomain(s)
		if !ok {
			if domain != "" {
				t.Fatalf("RegistrableDomain(%q) = %q, false", s, domain)
			}
			return
		}
		if domain == "" || domain != strings.ToLower(domain) || !isASCII(domain) || !strings.Contains(domain, ".") {
			t.Fatalf("RegistrableDomain(%q) = %q", s, domain)
		}
		if again, ok := RegistrableDomain(domain); !ok || again != domain {
			t.Fatalf("RegistrableDomain(%q) = %q, but RegistrableDomain(%q) = %q, %v", s, domain, domain, again, ok)
		}
	})
}

// FuzzSimilarity checks that Similarity never panics, stays in 0..1, is
// symmetric, and scores a non-empty key against itself 1; and that Rank never
// panics on the same input.
func FuzzSimilarity(f *testing.F) {
	f.Add("Acme Corp", "Acme Bank")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, pair := range [][2]string{{a, b}, {NormaliseCompany(a), NormaliseCompany(b)}} {
			x, y := pair[0], pair[1]
			s := Similarity(x, y)
			if !(s >= 0 && s <= 1) {
				t.Fatalf("Similarity(%q, %q) = %v, want 0..1", x, y, s)
			}
			if back := Similarity(y, x); back != s {
				t.Fatalf("Similarity(%q, %q) = %v, but Similarity(%q, %q) = %v", x, y, s, y, x, back)
			}
		}
		if key := NormaliseCompany(a); key != "" {
			if s := Similarity(key, key); s != 1 {
				t.Fatalf("Similarity(%q, itself) = %v, want 1", key, s)
			}
		}
		matches := Rank(Query{Company: a, Email: b, Domain: b}, []Candidate{
			{Kind: KindAccount, ID: "1", Company: b, Domains: []string{a, b}},
			{Kind: KindLead, ID: "2", Company: a, Email: a},
		})
		for _, m := range matches {
			if !(m.Score >= 0 && m.Score <= 1) || len(m.Reasons) == 0 {
				t.Fatalf("Rank gave %+v", m)
			}
		}
	})
}
