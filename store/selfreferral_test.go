package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestPartnerOwnsDomainOrUser: a lead is the crediting partner's own when
// its e-mail is one of the partner's users' or its domain, or a parent of
// it, is one of the partner's domains; not another partner's user or
// domain, nor a domain that merely ends like the partner's.
func TestPartnerOwnsDomainOrUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		db := storetest.MustOpen(t, engine)
		coder := mustPartner(t, db, leadrouter.NewPartner{Name: "Coder", Domains: []string{"coder.example"}})
		other := mustPartner(t, db, leadrouter.NewPartner{Name: "Other", Domains: []string{"other.example"}})
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, u := range []leadrouter.NewUser{{Email: "rep@gmail.example", Name: "Rep", Role: leadrouter.RolePartner, PartnerID: coder.ID},
				{Email: "someone@gmail.example", Name: "Someone", Role: leadrouter.RolePartner, PartnerID: other.ID}} {
				if _, _, err := tx.InsertUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			email string
			own   bool
			why   string
		}{
			{"rep@gmail.example", true, "a user of the crediting partner"},
			{"anna@coder.example", true, "coder.example is the crediting partner's own"},
			{"anna@eu.sales.coder.example", true, "eu.sales.coder.example is the crediting partner's own"},
			{"someone@gmail.example", false, ""},
			{"anna@other.example", false, ""},
			{"anna@notcoder.example", false, ""},
			{"anna@localhost", false, ""},
		} {
			var own bool
			var why string
			if err := db.View(ctx, func(tx *store.Tx) (err error) {
				own, why, err = tx.PartnerOwnsDomainOrUser(ctx, coder.ID, c.email)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if own != c.own || !strings.Contains(why, c.why) {
				t.Errorf("%s: own %v (%q), want %v (%q)", c.email, own, why, c.own, c.why)
			}
		}
	})
}
