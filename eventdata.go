package leadrouter

import "encoding/json"

// CreatedEventStored is what a lead_created event keeps of a new lead:
// nothing the lead row holds, except the kind of the form it came from,
// which a later response may change on the lead.
func CreatedEventStored(l Lead) map[string]any {
	if l.FormSlug == "" {
		return map[string]any{}
	}
	return map[string]any{"form_kind": l.FormKind}
}

// CreatedEventData is a lead_created event's data as it reads: the lead's
// contact and attribution fields, taken from the lead, and what the event
// stored. Events written before events stopped repeating the lead row
// (they have "source") read as they were stored.
func CreatedEventData(l Lead, stored json.RawMessage) json.RawMessage {
	var kept map[string]json.RawMessage
	if json.Unmarshal(stored, &kept) != nil {
		return stored
	}
	if _, verbose := kept["source"]; verbose {
		return stored
	}
	var utm map[string]string // no parameters read back as none, as capture had them
	if len(l.UTM) > 0 {
		utm = l.UTM
	}
	d := map[string]any{"first_name": l.FirstName, "last_name": l.LastName, "email": l.Email, "phone": l.Phone,
		"company": l.Company, "country": l.Country, "source": l.Source, "campaign": l.Campaign, "utm": utm,
		"landing_url": l.LandingURL, "credited_pid": l.CreditedPID, "attribution_model": l.AttributionModel}
	if l.FormSlug != "" {
		d["form"] = l.FormSlug
		d["form_kind"] = l.FormKind
	}
	for k, v := range kept {
		d[k] = v
	}
	out, err := json.Marshal(d)
	if err != nil {
		return stored
	}
	return out
}
