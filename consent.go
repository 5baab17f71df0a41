package leadrouter

import "time"

// ConsentRecord is one entry of a lead's consent history: a grant or a
// withdrawal, with who recorded it, when, the exact wording, the source and
// the IP it came from.
type ConsentRecord struct {
	ID     string    `json:"id"`
	LeadID string    `json:"lead_id"`
	Share  bool      `json:"share"`
	Text   string    `json:"text"`
	Source string    `json:"source"`
	IP     string    `json:"ip"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}
