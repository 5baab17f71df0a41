package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestClaimHeadsMarksCheckpointed: the heads a claim kept are not claimed
// again until their timeline moves on, and one that keep refused stays
// to be claimed.
func TestClaimHeadsMarksCheckpointed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		admin := leadrouter.Actor{UserID: "usr_admin", Role: leadrouter.RoleAdmin}
		appendTo := func(subjects ...string) {
			t.Helper()
			if err := db.Update(ctx, func(tx *store.Tx) error {
				for _, s := range subjects {
					if _, err := tx.AppendEvent(ctx, s, "note", admin, nil); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		claim := func(refuse bool) []store.Head {
			t.Helper()
			var got []store.Head
			_, err := db.ClaimHeads(ctx, 100, func(heads []store.Head) error {
				got = slices.Clone(heads)
				if refuse {
					return context.Canceled
				}
				return nil
			})
			if err != nil && !refuse {
				t.Fatal(err)
			}
			return got
		}
		subjects := func(heads []store.Head) []string {
			var out []string
			for _, h := range heads {
				out = append(out, h.Subject)
			}
			return out
		}
		appendTo("lead_a", "lead_b", "lead_c", "lead_b")
		if got := claim(true); !slices.Equal(subjects(got), []string{"lead_a", "lead_b", "lead_c"}) {
			t.Fatalf("first claim: %v", subjects(got))
		}
		got := claim(false)
		if !slices.Equal(subjects(got), []string{"lead_a", "lead_b", "lead_c"}) || got[1].N != 2 {
			t.Fatalf("claim after a refused one: %+v", got)
		}
		if got := claim(false); len(got) != 0 {
			t.Errorf("heads claimed again unchanged: %v", subjects(got))
		}
		appendTo("lead_c")
		if got := claim(false); !slices.Equal(subjects(got), []string{"lead_c"}) || got[0].N != 2 {
			t.Errorf("after lead_c moved on: %+v", got)
		}
	})
}
