package admin_test

import (
	"context"
	"testing"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/store/storetest"
)

// TestRolesAreChecked: the administrative actions are the admin's (a PAM
// may change only its own partners' status), whatever surface calls them.
func TestRolesAreChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		svc := &admin.Service{DB: storetest.MustOpen(t, engine)}
		root := leadrouter.Actor{UserID: "usr_root", Role: leadrouter.RoleAdmin}
		sales := leadrouter.Actor{UserID: "usr_sales", Role: leadrouter.RoleSales}
		pam, _, err := svc.CreateUser(ctx, root, leadrouter.NewUser{Email: "pam@vendor.example", Name: "Pam", Role: leadrouter.RolePAM})
		if err != nil {
			t.Fatal(err)
		}
		own, err := svc.CreatePartner(ctx, root, leadrouter.NewPartner{Name: "Berlin Systems", Countries: []string{"DE"}, Tier: "gold", PAMUserID: pam.ID})
		if err != nil {
			t.Fatal(err)
		}
		other, err := svc.CreatePartner(ctx, root, leadrouter.NewPartner{Name: "Austin VAR", Countries: []string{"US"}, Tier: "silver"})
		if err != nil {
			t.Fatal(err)
		}
		for name, call := range map[string]func() error{
			"create partner": func() error {
				_, err := svc.CreatePartner(ctx, sales, leadrouter.NewPartner{Name: "X", Countries: []string{"DE"}})
				return err
			},
			"create user": func() error {
				_, _, err := svc.CreateUser(ctx, sales, leadrouter.NewUser{Email: "x@vendor.example", Name: "X", Role: leadrouter.RoleSales})
				return err
			},
			"create account": func() error {
				_, err := svc.CreateAccount(ctx, sales, leadrouter.NewAccount{Name: "Acme", Domains: []string{"acme.example"}, Country: "US"})
				return err
			},
			"create webhook": func() error { _, err := svc.CreateWebhook(ctx, sales, "https://hooks.example/x", nil); return err },
			"list webhooks":  func() error { _, err := svc.Webhooks(ctx, sales); return err },
			"create form": func() error {
				_, err := svc.CreateForm(ctx, sales, leadrouter.Form{Slug: "x", Kind: leadrouter.FormContact, SuccessURL: "/thanks"})
				return err
			},
		} {
			if err := call(); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
				t.Errorf("sales may not %s: %v", name, err)
			}
		}
		pamActor := leadrouter.Actor{UserID: pam.ID, Role: leadrouter.RolePAM}
		suspended := leadrouter.PartnerSuspended
		if p, err := svc.UpdatePartner(ctx, pamActor, own.ID, leadrouter.PartnerUpdate{Status: &suspended}); err != nil || p.Status != suspended {
			t.Errorf("a PAM suspends its partner: %+v %v", p, err)
		}
		name := "Renamed"
		if _, err := svc.UpdatePartner(ctx, pamActor, own.ID, leadrouter.PartnerUpdate{Name: &name}); leadrouter.ErrorCode(err) != leadrouter.EFORBIDDEN {
			t.Errorf("a PAM renames its partner: %v", err)
		}
		if _, err := svc.UpdatePartner(ctx, pamActor, other.ID, leadrouter.PartnerUpdate{Name: &name}); leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			t.Errorf("a PAM changes another PAM's partner: %v, want not found", err)
		}
	})
}
