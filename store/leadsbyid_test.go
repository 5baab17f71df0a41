package store_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestLeadsByID: several leads in one statement, each as Lead would read
// it for the actor: the system every lead, a partner user only the leads
// routed to its partner; an unknown id and a repeated one change nothing.
func TestLeadsByID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		p := mustPartner(t, db, leadrouter.NewPartner{Name: "Owner"})
		ours := leadrouter.Lead{Status: leadrouter.StatusNew, Email: "a@ours.example", Company: "Ours", Source: leadrouter.SourceAPI,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: p.ID, PartnerID: p.ID}}
		vendors := leadrouter.Lead{Status: leadrouter.StatusNew, Email: "b@vendor.example", Company: "Vendor's", Source: leadrouter.SourceAPI,
			Owner: leadrouter.Owner{Kind: leadrouter.OwnerQueue, ID: "inside-sales"}}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.InsertLead(ctx, &ours); err != nil {
				return err
			}
			return tx.InsertLead(ctx, &vendors)
		}); err != nil {
			t.Fatal(err)
		}
		ids := []string{vendors.ID, "lead_unknown", ours.ID, vendors.ID}
		for _, c := range []struct {
			name  string
			actor leadrouter.Actor
			want  []string
		}{
			{"the system", leadrouter.System, []string{ours.ID, vendors.ID}},
			{"the partner", leadrouter.Actor{UserID: "usr_p", Role: leadrouter.RolePartner, PartnerID: p.ID}, []string{ours.ID}},
		} {
			var got map[string]leadrouter.Lead
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				got, err = tx.LeadsByID(ctx, c.actor, ids)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			keys := slices.Sorted(maps.Keys(got))
			if !slices.Equal(keys, slices.Sorted(slices.Values(c.want))) {
				t.Errorf("%s: leads %v, want %v", c.name, keys, c.want)
			}
			if l := got[ours.ID]; l.Email != ours.Email || l.Company != "Ours" || l.Owner.PartnerID != p.ID {
				t.Errorf("%s: the lead read as %+v", c.name, l)
			}
		}
	})
}
