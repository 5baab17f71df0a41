package store

import (
	"strconv"
	"strings"
	"sync"
)

// dialect holds the few differences between the engines.
type dialect interface {
	// rebind turns ? placeholders into the engine's own.
	rebind(query string) string
	// forUpdate is the row-locking suffix of a SELECT ("" where the engine
	// serialises writers anyway).
	forUpdate() string
}

type sqliteDialect struct{}

func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) forUpdate() string      { return "" }

type postgresDialect struct{}

var rebound sync.Map // query -> rebound query

func (postgresDialect) rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

func (postgresDialect) forUpdate() string { return " FOR UPDATE" }
