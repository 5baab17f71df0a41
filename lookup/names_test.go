package lookup

import (
	"encoding/json"
	"testing"

	"github.com/leadrouter/leadrouter"
)

// Names, once loaded, name owners as the viewer may see them.
func TestNamesOwner(t *testing.T) {
	loaded := func(actor leadrouter.Actor) *Names {
		n := newNames(actor)
		n.partners["ptr_b"], n.partners["ptr_m"] = "Berlin Systems GmbH", "Munich IT"
		n.users["usr_anna"], n.users["usr_sam"] = "Anna Schmidt", "Sam Sales"
		return n
	}
	staff := loaded(leadrouter.Actor{UserID: "usr_x", Role: leadrouter.RoleSupport})
	berlin := loaded(leadrouter.Actor{UserID: "usr_anna", Role: leadrouter.RolePartner, PartnerID: "ptr_b"})
	for _, c := range []struct {
		owner             leadrouter.Owner
		toStaff, toBerlin string
	}{
		{leadrouter.Owner{}, "", ""},
		{leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "ptr_b", PartnerID: "ptr_b"}, "Berlin Systems GmbH", "Berlin Systems GmbH"},
		{leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "usr_anna", PartnerID: "ptr_b"}, "Berlin Systems GmbH — Anna Schmidt", "Berlin Systems GmbH — Anna Schmidt"},
		{leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: "ptr_m", PartnerID: "ptr_m"}, "Munich IT", "another partner"},
		{leadrouter.Owner{Kind: leadrouter.OwnerUser, ID: "usr_sam"}, "Sam Sales", "vendor"},
		{leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}, "queue inside-sales", "vendor queue"},
	} {
		if got := staff.Owner(c.owner); got != c.toStaff {
			t.Errorf("staff: %+v named %q, want %q", c.owner, got, c.toStaff)
		}
		if got := berlin.Owner(c.owner); got != c.toBerlin {
			t.Errorf("Berlin: %+v named %q, want %q", c.owner, got, c.toBerlin)
		}
	}
	if staff.Actor("usr_sam") != "Sam Sales" || staff.Actor("system") != "system" {
		t.Error("actors are named by user, else as recorded")
	}
}

// A timeline's read asks for every actor and every owner its events name.
func TestRequestEvents(t *testing.T) {
	data, _ := json.Marshal(map[string]any{"old_owner": map[string]any{"kind": "user", "id": "usr_a", "partner_id": "ptr_b"},
		"new_owner": map[string]any{"kind": "partner", "id": "ptr_m", "partner_id": "ptr_m"}})
	var q request
	q.events([]leadrouter.Event{{Actor: "usr_admin", Data: data}, {Actor: "system", Data: []byte(`not json`)}})
	for _, id := range []string{"ptr_b", "ptr_m"} {
		if !q.partners[id] {
			t.Errorf("partner %s not asked for", id)
		}
	}
	for _, id := range []string{"usr_a", "usr_admin"} {
		if !q.users[id] {
			t.Errorf("user %s not asked for", id)
		}
	}
}
