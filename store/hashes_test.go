package store

import (
	"testing"

	"github.com/leadrouter/leadrouter"
)

// TestHashBytesRoundTrip: every hash text the chains hold reads back as
// the same text from its stored bytes, the digests in 33 bytes.
func TestHashBytesRoundTrip(t *testing.T) {
	e := leadrouter.Event{Subject: "lead_x", N: 1, Type: "routed", Data: []byte(`{}`)}
	for _, tt := range []struct {
		hash  string
		width int
	}{
		{"", 0},
		{e.ComputeHash(), 33},
		{e.ComputeKeyedHash([]byte("a key of thirty-two bytes or more!")), 33},
		{"ABCDEF" + e.ComputeHash()[6:], 65}, // not as the code writes it: kept as text
		{"h1:not hex", 11},
	} {
		b := hashBytes(tt.hash)
		if len(b) != tt.width || b == nil || hashText(b) != tt.hash {
			t.Errorf("%q: stored as %d bytes %x, reads %q", tt.hash, len(b), b, hashText(b))
		}
	}
}
