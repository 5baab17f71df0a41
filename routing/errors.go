package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// PolicyError is one problem in a policy, with the line it is on and the
// field it concerns (such as "rules[2].action").
type PolicyError struct {
	Line    int    // 1-based line in the policy source
	Field   string // path of the offending key, "" for the whole document
	Message string // what is wrong and what would be right
}

// Error reads like `policy line 12: rules[2].action: unknown action "x" (…)`.
func (e *PolicyError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("policy line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("policy line %d: %s: %s", e.Line, e.Field, e.Message)
}

// PolicyErrors is every problem ParsePolicy found, in line order. It
// unwraps to its *PolicyError items, so errors.As finds the first.
type PolicyErrors []*PolicyError

// Error lists the problems, one a line.
func (es PolicyErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors.
func (es PolicyErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// maxErrors bounds how many problems one parse reports.
const maxErrors = 25

// maxScalars bounds the work of one parse: aliases can make a small
// document name the same large list many times.
const maxScalars = 200_000

// parser walks a yaml.Node tree and collects errors with their lines.
type parser struct {
	errs    PolicyErrors
	scalars int
}

func (ps *parser) full() bool { return len(ps.errs) >= maxErrors || ps.scalars > maxScalars }

func (ps *parser) errorf(n *yaml.Node, field, format string, args ...any) {
	if len(ps.errs) >= maxErrors {
		return
	}
	line := 1
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	ps.errs = append(ps.errs, &PolicyError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// isNull reports whether n is absent or an explicit null ("key:" alone).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// mapping calls fn for each key of the mapping n in document order,
// reporting keys that are not in known (with a suggestion), duplicate keys
// and merge keys. A null n is an empty mapping.
func (ps *parser) mapping(n *yaml.Node, field string, known []string, fn func(key string, keyNode, value *yaml.Node)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		ps.errorf(n, field, "must be a mapping of keys to values (want keys: %s)", strings.Join(known, ", "))
		return
	}
	seen := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content) && !ps.full(); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			ps.errorf(n.Content[i], field, "keys must be plain words")
			continue
		}
		ps.scalars++
		key := k.Value
		switch {
		case key == "<<":
			ps.errorf(k, join(field, key), "merge keys (<<) are not supported: write the keys out")
			continue
		case slices.Contains(seen, key):
			ps.errorf(k, join(field, key), "is given twice")
			continue
		case !slices.Contains(known, key):
			ps.errorf(k, field, "unknown key %q%s (want one of: %s)", key, didYouMean(key, known), strings.Join(known, ", "))
			continue
		}
		seen = append(seen, key)
		fn(key, k, v)
	}
}

// sequence calls fn for each item of the sequence n. A null n is empty.
func (ps *parser) sequence(n *yaml.Node, field string, fn func(i int, item *yaml.Node)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		ps.errorf(n, field, "must be a list (items starting with \"- \")")
		return
	}
	for i, item := range n.Content {
		if ps.full() {
			return
		}
		fn(i, item)
	}
}

// scalar returns the text of a scalar node.
func (ps *parser) scalar(n *yaml.Node, field, what string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		ps.errorf(n, field, "needs a value (%s)", what)
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		ps.errorf(n, field, "must be a single value (%s), not a list or mapping", what)
		return "", false
	}
	ps.scalars++
	return strings.TrimSpace(n.Value), true
}

// integer returns a whole number from lo to hi.
func (ps *parser) integer(n *yaml.Node, field string, lo, hi int) (int, bool) {
	s, ok := ps.scalar(n, field, "a whole number")
	if !ok {
		return 0, false
	}
	var v int
	if resolve(n).ShortTag() != "!!int" || resolve(n).Decode(&v) != nil {
		ps.errorf(n, field, "%q is not a whole number", s)
		return 0, false
	}
	if v < lo || v > hi {
		ps.errorf(n, field, "%d is out of range (want %d to %d)", v, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean returns true or false.
func (ps *parser) boolean(n *yaml.Node, field string) (bool, bool) {
	s, ok := ps.scalar(n, field, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	ps.errorf(n, field, "%q is not true or false", s)
	return false, false
}

// list returns a list of values; a single value is a list of one.
func (ps *parser) list(n *yaml.Node, field, what string) ([]string, []*yaml.Node) {
	n = resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && !isNull(n) {
		s, _ := ps.scalar(n, field, what)
		return []string{s}, []*yaml.Node{n}
	}
	if isNull(n) {
		ps.errorf(n, field, "needs at least one value (%s)", what)
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	ps.sequence(n, field, func(i int, item *yaml.Node) {
		if s, ok := ps.scalar(item, fmt.Sprintf("%s[%d]", field, i), what); ok {
			out = append(out, s)
			nodes = append(nodes, item)
		}
	})
	if len(out) == 0 && len(n.Content) == 0 {
		ps.errorf(n, field, "needs at least one value (%s)", what)
	}
	return out, nodes
}

// oneOf checks s against the allowed values and explains a miss.
func (ps *parser) oneOf(n *yaml.Node, field, what, s string, allowed []string) bool {
	if slices.Contains(allowed, s) {
		return true
	}
	ps.errorf(n, field, "unknown %s %q%s (want one of: %s)", what, s, didYouMean(s, allowed), strings.Join(allowed, ", "))
	return false
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// didYouMean suggests the closest of candidates to s, when it is close.
func didYouMean(s string, candidates []string) string {
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > max(1, len(best)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// syntaxError turns yaml.v3's "yaml: line N: …" into a PolicyError.
// yaml.v3 reports the line where the construct around the problem began
// (a list that started on line 2 for a bad indent on line 9), so the
// problem's own line is searched for: the shortest beginning of the source
// from that line on that fails to parse ends on it (a binary search, so a
// long file costs a handful of parses).
func syntaxError(src []byte, err error) *PolicyError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ":"); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = max(n, 1), strings.TrimSpace(after)
			}
		}
	}
	ends := lineEnds(src)
	fails := func(k int) bool { // do the first k lines fail to parse?
		var n yaml.Node
		return yaml.Unmarshal(src[:ends[k-1]], &n) != nil
	}
	if lo, hi := line, len(ends); lo < hi {
		for lo < hi {
			mid := lo + (hi-lo)/2
			if fails(mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		line = lo
	}
	return &PolicyError{Line: line, Message: "not valid YAML: " + msg}
}

// lineEnds returns the offset just past each line of src, counting lines
// as YAML does (\n, \r\n or a lone \r).
func lineEnds(src []byte) []int {
	var ends []int
	for i := 0; i < len(src); i++ {
		switch {
		case src[i] == '\n':
			ends = append(ends, i+1)
		case src[i] == '\r' && (i+1 == len(src) || src[i+1] != '\n'):
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(src) {
		ends = append(ends, len(src))
	}
	return ends
}
