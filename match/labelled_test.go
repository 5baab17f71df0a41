package match

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
)

// labelledPair is one row of testdata/labelled.csv: a query, a candidate and
// whether a person judged them the same company (or address, or domain).
type labelledPair struct {
	kind, query, candidate, note string
	same                         bool
}

func mustReadLabelled(tb testing.TB) []labelledPair {
	tb.Helper()
	f, err := os.Open("testdata/labelled.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var pairs []labelledPair
	for i, rec := range records[1:] {
		same, err := strconv.ParseBool(rec[3])
		if err != nil {
			tb.Fatalf("labelled.csv line %d: same = %q: %v", i+2, rec[3], err)
		}
		pairs = append(pairs, labelledPair{kind: rec[0], query: rec[1], candidate: rec[2], same: same, note: rec[4]})
	}
	return pairs
}

// isLabelledMatch is the decision under test: does the matcher call the pair a
// match (a score of at least NearMatchThreshold)?
func isLabelledMatch(tb testing.TB, p labelledPair) (bool, float64) {
	tb.Helper()
	var q Query
	c := Candidate{Kind: KindAccount, ID: "c1"}
	switch p.kind {
	case "company":
		q.Company, c.Company = p.query, p.candidate
	case "domain":
		q.Domain, c.Domains = p.query, []string{p.candidate}
	case "email":
		q.Email, c.Kind, c.Email = p.query, KindLead, p.candidate
	default:
		tb.Fatalf("labelled.csv: unknown kind %q", p.kind)
	}
	matches := Rank(q, []Candidate{c})
	if len(matches) == 0 {
		if p.kind == "company" {
			s, _ := SameCompany(p.query, p.candidate)
			return false, s
		}
		return false, 0
	}
	return matches[0].Score >= NearMatchThreshold, matches[0].Score
}

// TestLabelledPrecisionRecall measures the decision "is a match" against
// pairs labelled by hand, and requires precision and recall of at least 0.95.
func TestLabelledPrecisionRecall(t *testing.T) {
	pairs := mustReadLabelled(t)
	if len(pairs) < 150 {
		t.Fatalf("labelled.csv has %d pairs, want at least 150", len(pairs))
	}
	var truePos, falsePos, falseNeg, trueNeg int
	for _, p := range pairs {
		got, score := isLabelledMatch(t, p)
		switch {
		case got && p.same:
			truePos++
		case got && !p.same:
			falsePos++
			t.Logf("false positive (%.3f) %s: %q ~ %q (%s)", score, p.kind, p.query, p.candidate, p.note)
		case !got && p.same:
			falseNeg++
			t.Logf("false negative (%.3f) %s: %q ~ %q (%s)", score, p.kind, p.query, p.candidate, p.note)
		default:
			trueNeg++
		}
	}
	precision := float64(truePos) / float64(truePos+falsePos)
	recall := float64(truePos) / float64(truePos+falseNeg)
	t.Logf("%d labelled pairs: %d true positives, %d false positives, %d false negatives, %d true negatives",
		len(pairs), truePos, falsePos, falseNeg, trueNeg)
	t.Logf("precision %.3f, recall %.3f at NearMatchThreshold %.2f", precision, recall, NearMatchThreshold)
	if precision < 0.95 || recall < 0.95 {
		t.Errorf("precision %.3f, recall %.3f: want both at least 0.95", precision, recall)
	}
}
