// Package demo seeds a demonstration vendor into an empty database:
// partners in several countries with fixed PIDs, users of every role, accounts
// with divisions, forms and sample leads, so a newcomer can click through
// every workflow within a minute.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/store"
)

// Password is every demo user's portal password.
const Password = "demo-password"

// Credential is how to sign in as one demo user.
type Credential struct {
	Role      leadrouter.Role
	Name      string
	Email     string
	PartnerID string
	Partner   string
	Token     string
}

// Partner PIDs of the demo data, fixed so that links in docs and benchmarks
// work on every machine.
const (
	PIDBerlin   = "BERLIN01"
	PIDMunich   = "MUNICH02"
	PIDBrussels = "BRUSSEL1"
	PIDToronto  = "TORONTO1"
	PIDAustin   = "AUSTIN01"
)

// IDs are the ids of the seeded core records, by a short name.
type IDs struct {
	Partners map[string]string // PID -> partner id
	Users    map[string]string // e-mail -> user id
	Accounts map[string]string // name -> account id
}

// PartnerUser is the demo user who answers for a partner, by partner id.
func (ids IDs) PartnerUser(partnerID string) leadrouter.Actor {
	for _, u := range users {
		if u.role == leadrouter.RolePartner && ids.Partners[u.partnerPID] == partnerID {
			return leadrouter.Actor{UserID: ids.Users[u.email], Name: u.name, Role: leadrouter.RolePartner, PartnerID: partnerID}
		}
	}
	return leadrouter.Actor{}
}

type demoUser struct {
	email, name string
	role        leadrouter.Role
	partnerPID  string
}

var users = []demoUser{
	{"admin@vendor.example", "Ada Admin", leadrouter.RoleAdmin, ""},
	{"pam@vendor.example", "Paula PAM", leadrouter.RolePAM, ""},
	{"relations@vendor.example", "Rita Relations", leadrouter.RoleRelations, ""},
	{"support@vendor.example", "Sam Support", leadrouter.RoleSupport, ""},
	{"sales1@vendor.example", "Sid Sales", leadrouter.RoleSales, ""},
	{"sales2@vendor.example", "Sue Sales", leadrouter.RoleSales, ""},
	{"anna@berlin-systems.example", "Anna Berlin", leadrouter.RolePartner, PIDBerlin},
	{"ben@berlin-systems.example", "Ben Berlin", leadrouter.RolePartner, PIDBerlin},
	{"max@munich-erp.example", "Max Munich", leadrouter.RolePartner, PIDMunich},
	{"eva@brussels-it.example", "Eva Brussels", leadrouter.RolePartner, PIDBrussels},
	{"tom@toronto-cloud.example", "Tom Toronto", leadrouter.RolePartner, PIDToronto},
	{"amy@austin-var.example", "Amy Austin", leadrouter.RolePartner, PIDAustin},
}

// Seed fills an empty database with the demo vendor's core records (a
// database that has partners already is left as it is) and returns a fresh
// token for every demo user, and the seeded ids (nil when nothing was
// seeded) so callers can add forms and leads through the real workflows.
func Seed(ctx context.Context, db *store.DB) ([]Credential, *IDs, error) {
	ids := IDs{Partners: map[string]string{}, Users: map[string]string{}, Accounts: map[string]string{}}
	seeded := false
	err := db.Update(ctx, func(tx *store.Tx) error {
		page, err := tx.Partners(ctx, leadrouter.System, 1, "")
		if err != nil {
			return err
		}
		if len(page.Items) > 0 {
			return nil
		}
		seeded = true
		return seedCore(ctx, tx, &ids)
	})
	if err != nil {
		return nil, nil, err
	}
	creds, err := credentials(ctx, db)
	if !seeded {
		return creds, nil, err
	}
	return creds, &ids, err
}

func seedCore(ctx context.Context, tx *store.Tx, ids *IDs) error {
	sys := leadrouter.System
	// Staff first: partners name their PAM.
	for _, u := range users {
		if u.role == leadrouter.RolePartner {
			continue
		}
		user, _, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: u.email, Name: u.name, Role: u.role, Password: Password})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
		ids.Users[u.email] = user.ID
	}
	pam := ids.Users["pam@vendor.example"]
	partners := []leadrouter.NewPartner{
		{PID: PIDBerlin, Name: "Berlin Systems GmbH", Countries: []string{"DE", "AT"}, Domains: []string{"berlin-systems.example"}, Tier: "gold", PAMUserID: pam, TimeZone: "Europe/Berlin"},
		{PID: PIDMunich, Name: "Munich ERP AG", Countries: []string{"DE", "CH"}, Domains: []string{"munich-erp.example"}, Tier: "silver", PAMUserID: pam, TimeZone: "Europe/Berlin"},
		{PID: PIDBrussels, Name: "Brussels IT BV", Countries: []string{"BE", "NL", "LU"}, Domains: []string{"brussels-it.example"}, Tier: "silver", PAMUserID: pam, TimeZone: "Europe/Brussels"},
		{PID: PIDToronto, Name: "Toronto Cloud Inc.", Countries: []string{"CA"}, Domains: []string{"toronto-cloud.example"}, Tier: "bronze", PAMUserID: pam, TimeZone: "America/Toronto"},
		{PID: PIDAustin, Name: "Austin VAR LLC", Countries: []string{"US"}, Domains: []string{"austin-var.example"}, Tier: "gold", PAMUserID: pam, TimeZone: "America/Chicago"},
	}
	for _, in := range partners {
		p, err := admin.CreatePartner(ctx, tx, sys, in)
		if err != nil {
			return fmt.Errorf("demo partner %s: %w", in.Name, err)
		}
		ids.Partners[string(p.PID)] = p.ID
	}
	for _, u := range users {
		if u.role != leadrouter.RolePartner {
			continue
		}
		user, _, err := admin.CreateUser(ctx, tx, leadrouter.NewUser{Email: u.email, Name: u.name, Role: u.role, PartnerID: ids.Partners[u.partnerPID], Password: Password})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
		ids.Users[u.email] = user.ID
	}
	// Acme is owned by Austin VAR; its EMEA division is not, but leads from
	// it still go to Austin VAR (rule account-owner).
	acme, err := admin.CreateAccount(ctx, tx, sys, leadrouter.NewAccount{Name: "Acme Corporation", Domains: []string{"acme.example"}, Country: "US", OwnerPartnerID: ids.Partners[PIDAustin]})
	if err != nil {
		return err
	}
	ids.Accounts["Acme Corporation"] = acme.ID
	emea, err := admin.CreateAccount(ctx, tx, sys, leadrouter.NewAccount{Name: "Acme EMEA Ltd", Domains: []string{"acme-emea.example"}, Country: "GB", ParentID: acme.ID})
	if err != nil {
		return err
	}
	ids.Accounts["Acme EMEA Ltd"] = emea.ID
	pop, err := admin.CreateAccount(ctx, tx, sys, leadrouter.NewAccount{Name: "The Pop Cynthia Project", Domains: []string{"popcynthia.example"}, Country: "US"})
	if err != nil {
		return err
	}
	ids.Accounts["The Pop Cynthia Project"] = pop.ID
	return nil
}

// printedTokens is the setting holding the ids of the tokens the last
// start printed, revoked by the next.
const printedTokens = "demo_printed_tokens"

// credentials revokes the tokens an earlier start printed and issues new
// ones: a restart leaves only the tokens it prints valid.
func credentials(ctx context.Context, db *store.DB) ([]Credential, error) {
	var out []Credential
	err := db.Update(ctx, func(tx *store.Tx) error {
		earlier, err := tx.Setting(ctx, printedTokens)
		if err != nil {
			return err
		}
		for _, id := range strings.Fields(earlier) {
			if _, _, err := admin.RevokeToken(ctx, tx, leadrouter.System, id); err != nil && leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
				return fmt.Errorf("revoke earlier demo token: %w", err)
			}
		}
		var printed []string
		for _, u := range users {
			page, err := tx.Users(ctx, leadrouter.System, u.role, 500, "")
			if err != nil {
				return err
			}
			for _, existing := range page.Items {
				if existing.Email != u.email {
					continue
				}
				t, token, err := admin.IssueToken(ctx, tx, leadrouter.System, existing.ID)
				if err != nil {
					return err
				}
				printed = append(printed, t.ID)
				c := Credential{Role: u.role, Name: u.name, Email: u.email, PartnerID: existing.PartnerID, Token: token}
				if u.partnerPID != "" {
					c.Partner = u.partnerPID
				}
				out = append(out, c)
			}
		}
		return tx.SetSetting(ctx, printedTokens, strings.Join(printed, " "))
	})
	return out, err
}

// PrintCredentials writes how to sign in as each demo user.
func PrintCredentials(w io.Writer, baseURL string, creds []Credential) {
	fmt.Fprintf(w, "\nleadrouter demo is running at %s\n", baseURL)
	fmt.Fprintf(w, "  portal:   %s/portal/login  (every demo user's password: %s)\n", baseURL, Password)
	fmt.Fprintf(w, "  referral: %s/pricing?pid=%s  (then request a demo at %s/demo)\n", baseURL, PIDBerlin, baseURL)
	fmt.Fprintf(w, "  API:      curl -H 'Authorization: Bearer TOKEN' %s/api/v1/partners\n\n", baseURL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tE-MAIL\tPARTNER\tTOKEN")
	for _, c := range creds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Role, c.Email, c.Partner, c.Token)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
