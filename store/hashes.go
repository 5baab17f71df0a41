package store

import (
	"encoding/hex"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// Timeline hashes are stored as bytes (BLOB, bytea), a tag byte and the
// digest: 33 bytes where the hex text took 64 or 67. The domain keeps
// them as text (leadrouter.Event.Hash), which is also what each event's
// hash covers, so the chain reads and verifies the same as before
// migration 0012 converted the text. Keep the tags in step with that
// migration.
const (
	hashTagSHA256 = 0x00 // an unkeyed SHA-256 (64 hex characters)
	hashTagKeyed  = 0x01 // leadrouter.KeyedHashPrefix and an HMAC-SHA256
	hashTagText   = 0x02 // anything else, kept as its text
)

// hashBytes is hash as stored: empty for no hash (the first event's link).
func hashBytes(hash string) []byte {
	if hash == "" {
		return []byte{}
	}
	digest, tag := hash, byte(hashTagSHA256)
	if rest, ok := strings.CutPrefix(hash, leadrouter.KeyedHashPrefix); ok {
		digest, tag = rest, hashTagKeyed
	}
	if len(digest) == 64 && digest == strings.ToLower(digest) {
		if raw, err := hex.DecodeString(digest); err == nil {
			return append([]byte{tag}, raw...)
		}
	}
	return append([]byte{hashTagText}, hash...)
}

// hashText is the text of a stored hash.
func hashText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case hashTagSHA256:
		return hex.EncodeToString(b[1:])
	case hashTagKeyed:
		return leadrouter.KeyedHashPrefix + hex.EncodeToString(b[1:])
	}
	return string(b[1:])
}

// HashBytes is hash as the events and event_heads tables store it, for
// tests that write those tables directly.
func HashBytes(hash string) []byte { return hashBytes(hash) }
