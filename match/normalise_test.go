package match

import "testing"

func TestNormaliseCompany(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"", ""},
		{"   ", ""},
		{"Inc.", ""},
		{"GmbH & Co. KG", ""},
		{"The Company", ""},
		{"The", "the"},
		{"The Pop Cynthia Project, Inc.", "pop cynthia project"},
		{"pop cynthia project", "pop cynthia project"},
		{"  Pop\tCynthia\n Project  ", "pop cynthia project"},
		{"THE POP CYNTHIA PROJECT LLC", "pop cynthia project"},
		{"Acme & Sons", "acme and sons"},
		{"Acme + Sons", "acme and sons"},
		{"Acme and Co.", "acme"},
		{"Acme, L.L.C.", "acme"},
		{"Acme Pty. Ltd.", "acme"},
		{"Acme Co., Ltd.", "acme"},
		{"Acme Sdn. Bhd.", "acme"},
		{"Acme Pte. Ltd.", "acme"},
		{"Acme Pvt. Ltd.", "acme"},
		{"Acme GmbH & Co. KG", "acme"},
		{"Acme S.A.", "acme"},
		{"Acme S.A.S.", "acme"},
		{"Acme S.à r.l.", "acme"},
		{"Acme S.p.A.", "acme"},
		{"Acme B.V.", "acme"},
		{"Acme N.V.", "acme"},
		{"Acme A/S", "acme"},
		{"Acme ApS", "acme"},
		{"Acme K.K.", "acme"},
		{"Acme S.L.", "acme"},
		{"Acme Srl", "acme"},
		{"Acme sp. z o.o.", "acme"},
		{"Acme, S.A. de C.V.", "acme"},
		{"Acme Corporaton", "acme"}, // a misspelt legal form
		{"Acme Holdings Ltd", "acme holdings"},
		{"Société Générale", "societe generale"},
		{"Straße", "strasse"},
		{"Ærø Æble", "aero aeble"},
		{"Łódź", "lodz"},
		{"ＡＣＭＥ", "acme"}, // full-width
		{"O'Reilly Media", "oreilly media"},
		{"McDonald’s", "mcdonalds"},
		{"J. P. Morgan", "jp morgan"},
		{"Amazon.com, Inc.", "amazon"},
		{"Acme.io", "acme"},
		{"Acme.company", "acme"}, // "company" is a legal form before it is a TLD
		{"3M Company", "3m"},
		{"AT&T", "at and t"},
		{"Acme Intl.", "acme international"},
		{"AB Volvo", "volvo"},
		{"ООО «Ромашка»", "ромашка"},
		{"トヨタ自動車株式会社", "トヨタ自動車"},
		{"株式会社資生堂", "資生堂"},
		{"Acme (UK) Limited", "acme uk"},
	}
	for _, tt := range tests {
		if got := NormaliseCompany(tt.name); got != tt.want {
			t.Errorf("NormaliseCompany(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestNormaliseCompanyIdempotent checks that the key of a key is itself over
// every name of the labelled set.
func TestNormaliseCompanyIdempotent(t *testing.T) {
	for _, p := range mustReadLabelled(t) {
		for _, name := range []string{p.query, p.candidate} {
			key := NormaliseCompany(name)
			if again := NormaliseCompany(key); again != key {
				t.Errorf("NormaliseCompany(%q) = %q, but NormaliseCompany(%q) = %q", name, key, key, again)
			}
		}
	}
}

func TestCompanyTokens(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"", nil},
		{"Inc.", nil},
		{"Acme Corp", []string{"acme"}},
		{"Acme Bank Ltd", []string{"acme", "bank", "acmebank"}},
		{"The Coca-Cola Company", []string{"coca", "cola", "cocacola"}},
		{"Microsoft Corporation", []string{"microsoft", "micr*", "*soft"}},
		{"Accenture plc", []string{"accenture", "acenture", "acce*"}},
		{"International Business Machines", []string{"business", "machines", "internationalbusinessmachines", "ibm", "busines", "busi*", "mach*"}},
		{"Global Solutions Group", []string{"global", "solutions", "group", "globalsolutionsgroup", "gsg", "glob*", "solu*", "grou*", "*obal", "*roup"}},
		{"3M", []string{"3m"}},
		{"AT&T", []string{"at and t", "atandt"}},
	}
	for _, tt := range tests {
		got := CompanyTokens(tt.name)
		if !equalStrings(got, tt.want) {
			t.Errorf("CompanyTokens(%q) = %q, want %q", tt.name, got, tt.want)
		}
		if len(got) > MaxCompanyTokens {
			t.Errorf("CompanyTokens(%q) has %d tokens, want at most %d", tt.name, len(got), MaxCompanyTokens)
		}
	}
}

// TestCompanyTokensFindVariants checks that a name and its variants from the
// labelled set share a token or a key, so that the store fetches one for the
// other.
func TestCompanyTokensFindVariants(t *testing.T) {
	for _, p := range mustReadLabelled(t) {
		if p.kind != "company" || !p.same {
			continue
		}
		if s, _ := SameCompany(p.query, p.candidate); s < NearMatchThreshold {
			continue // a pair the matcher misses anyway
		}
		if NormaliseCompany(p.query) == NormaliseCompany(p.candidate) {
			continue
		}
		if !shareToken(CompanyTokens(p.query), CompanyTokens(p.candidate)) {
			t.Errorf("CompanyTokens(%q) = %q and CompanyTokens(%q) = %q share no token",
				p.query, CompanyTokens(p.query), p.candidate, CompanyTokens(p.candidate))
		}
	}
}

func shareToken(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
