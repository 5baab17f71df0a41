package live_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/routing/live"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// A tier's weight multiplies its partners' weights in the directory
// routing reads, so weighted rotations favour the tier.
func TestTierWeights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, in := range []leadrouter.NewPartner{{Name: "Gold GmbH", Countries: []string{"DE"}, Tier: "gold", Weight: 2},
				{Name: "Plain GmbH", Countries: []string{"DE"}, Weight: 2}} {
				if _, err := admin.CreatePartner(ctx, tx, leadrouter.System, in); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		p, err := routing.ParsePolicy([]byte("tiers: {gold: {weight: 3}}\nrules: [{id: a, action: assign_territory, strategy: weighted}]\n"))
		if err != nil {
			t.Fatal(err)
		}
		var dir routing.Directory
		if err := db.View(ctx, func(tx *store.Tx) error {
			dir, err = live.LoadDirectory(ctx, tx, p)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		weights := map[string]int{}
		for _, pt := range dir.Partners {
			weights[pt.Name] = pt.Weight
		}
		if weights["Gold GmbH"] != 6 || weights["Plain GmbH"] != 2 {
			t.Fatalf("weights %v, want gold 2×3 and plain 2", weights)
		}
	})
}
