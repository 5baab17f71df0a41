package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzEventData: what an event's data is stored as reads back as it was
// written, and stored bytes that are neither (a damaged or forged packed
// row) are an error, never a panic.
func FuzzEventData(f *testing.F) {
	f.Add("routed", []byte(`{"owner":{"kind":"queue","id":"inside-sales"},"policy_version":0,"reserved_partner_id":"","rule":"default","steps":[["duplicate","not_response"],["pid","no_pid"]]}`))
	f.Add("consent", []byte(`{"ip":"203.0.113.9","share":true,"source":"web_form","text":"Ja – äöü"}`))
	f.Add("status_changed", []byte(`{"from":"mql","to":"qualified"}`))
	f.Add("lead_created", []byte(`{}`))
	f.Add("note", []byte{packedV1, 0x20, 0x00, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, typ string, raw []byte) {
		var d storedData
		if json.Valid(raw) {
			if err := d.Scan(packEventData(typ, raw)); err != nil || !bytes.Equal(d, raw) {
				t.Fatalf("%s %q reads back as %q (%v)", typ, raw, d, err)
			}
		}
		_ = d.Scan(raw)
	})
}
