package match

import "testing"

func TestSimilarity(t *testing.T) {
	tests := []struct {
		a, b     string
		min, max float64 // the score must be in [min, max]
	}{
		{"acme", "acme", 1, 1},
		{"", "", 0, 0},
		{"acme", "", 0, 0},
		{"cocacola", "coca cola", CertainThreshold, 0.99},                  // spacing
		{"oxford university", "university oxford", CertainThreshold, 0.99}, // order
		{"microsoft", "microsfot", NearMatchThreshold, CertainThreshold - 0.01},
		{"google", "gogle", NearMatchThreshold, CertainThreshold - 0.01},
		{"pop cynthia project", "pop cynthia", NearMatchThreshold, CertainThreshold - 0.01},
		{"cisco systems", "cisco", NearMatchThreshold, CertainThreshold - 0.01},
		{"international business machines", "ibm", NearMatchThreshold, NearMatchThreshold + 0.05},
		{"pricewaterhousecoopers", "pricewaterhouse cooper", NearMatchThreshold, CertainThreshold - 0.01},
		{"acme", "acme bank", 0, NearMatchThreshold - 0.1},
		{"united airlines", "united airways", 0, NearMatchThreshold - 0.1},
		{"delta dental", "delta air lines", 0, NearMatchThreshold - 0.1},
		{"apple", "applied materials", 0, 0.2},
		{"first national bank of omaha", "first national bank of oklahoma", 0, NearMatchThreshold - 0.05},
		{"global solutions", "global solutions group", NearMatchThreshold, CertainThreshold - 0.01},
		{"acme", "zenith", 0, 0},
	}
	for _, tt := range tests {
		got := Similarity(tt.a, tt.b)
		if got < tt.min || got > tt.max {
			t.Errorf("Similarity(%q, %q) = %.3f, want in [%.2f, %.2f]", tt.a, tt.b, got, tt.min, tt.max)
		}
		if back := Similarity(tt.b, tt.a); back != got {
			t.Errorf("Similarity(%q, %q) = %v, but reversed %v", tt.a, tt.b, got, back)
		}
	}
}

func TestSameCompany(t *testing.T) {
	tests := []struct {
		a, b        string
		match       bool // score ≥ NearMatchThreshold
		wantCertain bool
	}{
		{"The Pop Cynthia Project, Inc.", "pop cynthia project", true, true},
		{"Coca-Cola", "CocaCola Company", true, true},
		{"Microsoft Corporation", "Microsfot", true, false},
		{"Acme Corp", "Acme Bank", false, false},
		{"United Airlines", "United Airways", false, false},
		{"Inc.", "Ltd.", false, false},
	}
	for _, tt := range tests {
		score, certain := SameCompany(tt.a, tt.b)
		if match := score >= NearMatchThreshold; match != tt.match || certain != tt.wantCertain {
			t.Errorf("SameCompany(%q, %q) = %.3f, %v; want match %v, certain %v",
				tt.a, tt.b, score, certain, tt.match, tt.wantCertain)
		}
	}
}

func TestWordSimilarity(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"acme", "acme", 1},
		{"oracle", "oracel", 0.9},        // swap
		{"google", "gogle", 0.9},         // doubled letter
		{"microsoft", "microsoft1", 0.9}, // one edit, long word
		{"muller", "miller", 0.86},
		{"intel", "intex", 0.8},
		{"dell", "bell", 0}, // short words must start alike
		{"ibm", "ibn", 0},   // too short for typos
		{"airlines", "airways", 0},
		{"omaha", "oklahoma", 0},
	}
	for _, tt := range tests {
		if got := wordSimilarity(tt.a, tt.b); got != tt.want {
			t.Errorf("wordSimilarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 1, 0},
		{"abc", "abc", 1, 0},
		{"abc", "acb", 1, 1},
		{"abc", "abd", 1, 1},
		{"abc", "ab", 1, 1},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 1, 2}, // limit+1 once beyond the limit
		{"ünïcödé", "unicode", 5, 4},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
