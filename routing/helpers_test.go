package routing

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// MustParse parses a policy or fails the test.
func MustParse(tb testing.TB, src string) *Policy {
	tb.Helper()
	p, err := ParsePolicy([]byte(src))
	if err != nil {
		tb.Fatalf("ParsePolicy:\n%v\nsource:\n%s", err, src)
	}
	return p
}

// MustDefault parses the built-in policy or fails the test.
func MustDefault(tb testing.TB) *Policy {
	tb.Helper()
	return MustParse(tb, string(DefaultPolicyYAML))
}

// MustRoute routes a lead or fails the test.
func MustRoute(tb testing.TB, p *Policy, dir Directory, lead Input, rot Rotation) leadrouter.Decision {
	tb.Helper()
	d, err := Route(context.Background(), p, dir, lead, rot)
	if err != nil {
		tb.Fatalf("Route(%+v): %v", lead, err)
	}
	return d
}

// testDirectory is a small partner programme: two German partners, a
// Belgian one, an American one, a suspended French one, and two sales
// users.
func testDirectory() Directory {
	return NewDirectory([]leadrouter.Partner{
		{ID: "p-munich", PID: "MUNICH02", Name: "Munich", Countries: []string{"DE"}, Status: leadrouter.PartnerActive},
		{ID: "p-berlin", PID: "BERLIN01", Name: "Berlin", Countries: []string{"DE", "at"}, Status: leadrouter.PartnerActive},
		{ID: "p-brussels", PID: "BRUSSEL1", Name: "Brussels", Countries: []string{"BE", "NL"}, Status: leadrouter.PartnerActive},
		{ID: "p-austin", PID: "AUSTIN01", Name: "Austin", Countries: []string{"US"}, Status: leadrouter.PartnerActive},
		{ID: "p-paris", PID: "PARIS001", Name: "Paris", Countries: []string{"FR"}, Status: leadrouter.PartnerSuspended},
	}, map[string][]string{"inside-sales": {"u-sales2", "u-sales1"}})
}

// traceText is the trace as one string, for looking for words in it.
func traceText(d leadrouter.Decision) string {
	var b strings.Builder
	for _, s := range d.Trace {
		b.WriteString(s.Rule + ": " + s.Reason + " [")
		for _, c := range s.Candidates {
			b.WriteString(c.ID + " " + c.Skipped + "; ")
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// failingRotation fails every call.
type failingRotation struct{ err error }

func (f failingRotation) Next(context.Context, string) (int64, error) { return 0, f.err }
func (f failingRotation) AssignedToday(context.Context, string, string) (int, error) {
	return 0, f.err
}
func (f failingRotation) Record(context.Context, string, string) error { return f.err }
