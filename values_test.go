package leadrouter_test

import (
	"testing"

	"github.com/leadrouter/leadrouter"
)

// TestParseCountry accepts ISO 3166-1 alpha-2, alpha-3 and English names
// (normalised to alpha-2) and refuses the pseudo-countries and aliases of
// the country library, which would otherwise be stored as "None",
// "International" or a code ISO never assigned.
func TestParseCountry(t *testing.T) {
	for in, want := range map[string]string{
		"DE": "DE", "de": "DE", "DEU": "DE", " deu ": "DE", "Germany": "DE",
		"GB": "GB", "GBR": "GB", "UK": "GB", "United Kingdom": "GB", "England": "GB",
		"US": "US", "USA": "US", "United States": "US",
		"PT": "PT", "Portugal": "PT", "AQ": "AQ", "SS": "SS", "CW": "CW",
	} {
		got, err := leadrouter.ParseCountry(in)
		if err != nil || got != want {
			t.Errorf("ParseCountry(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "  ", "XX", "xx", "None", "NON", "Unknown", "International", "ZZ", "AA", "QM", "EU", "UN",
		"XW", "XS", "XWA", "XSC", "XEN", "ENG", // the library's aliases of GB
		"XK", "XKX", "Kosovo", // user-assigned, not ISO 3166-1
		"AN", "ANT", "YU", "YUG", // withdrawn
		"Atlantis", "Europe",
	} {
		if got, err := leadrouter.ParseCountry(in); err == nil || leadrouter.ErrorCode(err) != leadrouter.EINVALID {
			t.Errorf("ParseCountry(%q) = %q, %v; want an invalid error", in, got, err)
		}
	}
}

func TestValidID(t *testing.T) {
	id := leadrouter.NewID("lead")
	if !leadrouter.ValidID("lead", id) {
		t.Fatalf("ValidID(lead, %q) = false", id)
	}
	for _, bad := range []string{"", "garbage", "lead_", "lead_garbage", id[:len(id)-1], id + "0", "ptr" + id[4:],
		"lead_" + "ABCDEFGHJKMNPQRSTVWXYZ0", "lead_" + "0123456789abcdefghijklu"} {
		if leadrouter.ValidID("lead", bad) {
			t.Errorf("ValidID(lead, %q) = true", bad)
		}
	}
}
