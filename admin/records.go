package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// The functions here are the bodies of the administrative use cases, run
// inside a transaction the caller holds: the Service's methods (which
// check roles first), the demo data, other workflows that create records
// on the actor's behalf (conversion and registration create accounts) and
// test fixtures all go through them, so every record is validated and
// recorded on its timeline the same way.

// validationOf starts collecting field errors with those of a Validate
// call; an error that is no validation error is returned as it is.
func validationOf(err error) (leadrouter.Validation, error) {
	var v leadrouter.Validation
	if leadrouter.ErrorCode(err) == leadrouter.EINVALID {
		v.Fields = append(v.Fields, leadrouter.ErrorFields(err)...)
		return v, nil
	}
	return v, err
}

// checkPartnerRef adds a field error to v when id names no partner; a
// failed read is returned.
func checkPartnerRef(ctx context.Context, tx *store.Tx, v *leadrouter.Validation, field, id string) error {
	if id == "" {
		return nil
	}
	_, err := tx.Partner(ctx, leadrouter.System, id)
	if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
		v.Add(field, "must name an existing partner")
		return nil
	}
	return err
}

// checkPAMUser adds a field error to v unless id is empty or names a user
// with role pam.
func checkPAMUser(ctx context.Context, tx *store.Tx, id string, v *leadrouter.Validation) error {
	if id == "" {
		return nil
	}
	u, err := tx.User(ctx, leadrouter.System, id)
	if err != nil && leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
		return err
	}
	if err != nil || u.Role != leadrouter.RolePAM {
		v.Add("pam_user_id", "must name a user with role pam")
	}
	return nil
}

// ValidateNewPartner normalises in (see NewPartner.Validate) and reports
// every offending field in one EINVALID error: NewPartner.Validate's, the
// free-mail domains (a partner's own domains decide self-referrals, and
// gmail.com would make every gmail lead with its PID one), and a
// pam_user_id naming no PAM.
func ValidateNewPartner(ctx context.Context, tx *store.Tx, in *leadrouter.NewPartner) error {
	var freeMail leadrouter.Validation
	for i, d := range in.Domains { // before Validate, which drops duplicates and so moves indexes
		if domain, err := leadrouter.ParseDomain(d); err == nil && match.IsFreeMail(domain) {
			freeMail.Add(fmt.Sprintf("domains[%d]", i), "%s is a free-mail domain, which cannot be a partner's own", domain)
		}
	}
	v := leadrouter.Validation{Fields: leadrouter.ErrorFields(in.Validate())}
	v.Fields = append(v.Fields, freeMail.Fields...)
	if err := checkPAMUser(ctx, tx, in.PAMUserID, &v); err != nil {
		return err
	}
	return v.Err()
}

// ValidatePartnerUpdate normalises upd (see PartnerUpdate.Validate) and
// reports every offending field in one EINVALID error, a pam_user_id naming
// no PAM included.
func ValidatePartnerUpdate(ctx context.Context, tx *store.Tx, upd *leadrouter.PartnerUpdate) error {
	v := leadrouter.Validation{Fields: leadrouter.ErrorFields(upd.Validate())}
	if upd.PAMUserID != nil {
		if err := checkPAMUser(ctx, tx, *upd.PAMUserID, &v); err != nil {
			return err
		}
	}
	return v.Err()
}

// CreatePartner validates a new partner, issues its PID unless one is
// given (PIDs are never reused), stores it and records partner_created.
func CreatePartner(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, in leadrouter.NewPartner) (leadrouter.Partner, error) {
	if err := ValidateNewPartner(ctx, tx, &in); err != nil {
		return leadrouter.Partner{}, err
	}
	pid := leadrouter.PID(in.PID)
	for pid == "" {
		pid = leadrouter.NewPID()
		if taken, err := tx.PIDTaken(ctx, pid); err != nil {
			return leadrouter.Partner{}, err
		} else if taken {
			pid = ""
		}
	}
	if in.Countries == nil {
		in.Countries = []string{}
	}
	if in.Domains == nil {
		in.Domains = []string{}
	}
	p := leadrouter.Partner{
		ID: leadrouter.NewID("ptr"), PID: pid, Name: in.Name, Countries: in.Countries, Domains: in.Domains,
		Tier: in.Tier, PAMUserID: in.PAMUserID, Status: leadrouter.PartnerActive, Weight: in.Weight, DailyCap: in.DailyCap,
		TimeZone: in.TimeZone, CreatedAt: tx.Now(), UpdatedAt: tx.Now(),
	}
	if err := tx.InsertPartner(ctx, p); err != nil {
		return p, err
	}
	_, err := tx.AppendEvent(ctx, p.ID, leadrouter.EventPartnerCreated, actor, map[string]any{"pid": p.PID, "name": p.Name, "countries": p.Countries})
	return p, err
}

// UpdatePartner applies a validated partial update to a partner actor may
// see and records partner_updated with the changes (the caller decides
// what actor may change: see Service.UpdatePartner).
func UpdatePartner(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, id string, upd leadrouter.PartnerUpdate) (leadrouter.Partner, error) {
	if err := ValidatePartnerUpdate(ctx, tx, &upd); err != nil {
		return leadrouter.Partner{}, err
	}
	p, err := tx.Partner(ctx, actor, id)
	if err != nil {
		return p, err
	}
	changes := map[string]any{}
	if upd.Name != nil {
		p.Name, changes["name"] = *upd.Name, *upd.Name
	}
	if upd.Status != nil {
		p.Status, changes["status"] = *upd.Status, *upd.Status
	}
	if upd.Tier != nil {
		p.Tier, changes["tier"] = *upd.Tier, *upd.Tier
	}
	if upd.PAMUserID != nil {
		p.PAMUserID, changes["pam_user_id"] = *upd.PAMUserID, *upd.PAMUserID
	}
	if upd.Weight != nil {
		p.Weight, changes["weight"] = *upd.Weight, *upd.Weight
	}
	if upd.DailyCap != nil {
		p.DailyCap, changes["daily_cap"] = *upd.DailyCap, *upd.DailyCap
	}
	if upd.Countries != nil {
		p.Countries, changes["countries"] = *upd.Countries, *upd.Countries
	}
	if upd.TimeZone != nil {
		p.TimeZone, changes["time_zone"] = *upd.TimeZone, *upd.TimeZone
	}
	p.UpdatedAt = tx.Now()
	if err := tx.SavePartner(ctx, p, upd.Countries != nil); err != nil {
		return p, err
	}
	_, err = tx.AppendEvent(ctx, p.ID, leadrouter.EventPartnerUpdated, actor, changes)
	return p, err
}

// CreateUser validates a new user, stores it and returns its first API
// token (shown once).
func CreateUser(ctx context.Context, tx *store.Tx, in leadrouter.NewUser) (leadrouter.User, string, error) {
	v, err := validationOf(in.Validate())
	if err != nil {
		return leadrouter.User{}, "", err
	}
	if err := checkPartnerRef(ctx, tx, &v, "partner_id", in.PartnerID); err != nil {
		return leadrouter.User{}, "", err
	}
	if err := v.Err(); err != nil {
		return leadrouter.User{}, "", err
	}
	return tx.InsertUser(ctx, in)
}

// CreateAccount validates a new account or division (every offending
// field at once: the input's own checks, then the records it names),
// stores it and records account_created. No role check: the Service's
// method makes it for admins; conversion and registration create accounts
// on the actor's behalf.
func CreateAccount(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, in leadrouter.NewAccount) (leadrouter.Account, error) {
	v, err := validationOf(in.Validate())
	if err != nil {
		return leadrouter.Account{}, err
	}
	if in.Domains == nil {
		in.Domains = []string{}
	}
	a := leadrouter.Account{ID: leadrouter.NewID("acc"), Name: in.Name, Domains: in.Domains, Country: in.Country,
		ParentID: in.ParentID, OwnerPartnerID: in.OwnerPartnerID, CreatedAt: tx.Now()}
	a.RootID = a.ID
	if in.ParentID != "" {
		parent, err := tx.Account(ctx, leadrouter.System, in.ParentID)
		switch {
		case leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND:
			v.Add("parent_id", "must name an existing account")
		case err != nil:
			return a, err
		default:
			a.RootID = parent.RootID
		}
	}
	if err := checkPartnerRef(ctx, tx, &v, "owner_partner_id", in.OwnerPartnerID); err != nil {
		return a, err
	}
	if err := v.Err(); err != nil {
		return a, err
	}
	if err := tx.InsertAccount(ctx, a); err != nil {
		return a, err
	}
	_, err = tx.AppendEvent(ctx, a.ID, leadrouter.EventAccountCreated, actor,
		map[string]any{"name": a.Name, "domains": a.Domains, "parent_id": a.ParentID, "owner_partner_id": a.OwnerPartnerID})
	return a, err
}

// CreateForm validates and stores a public form.
func CreateForm(ctx context.Context, tx *store.Tx, f leadrouter.Form) (leadrouter.Form, error) {
	v, err := validationOf(f.Validate())
	if err != nil {
		return f, err
	}
	if err := checkPartnerRef(ctx, tx, &v, "partner_id", f.PartnerID); err != nil {
		return f, err
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return tx.InsertForm(ctx, f)
}

// mayManageTokens reports whether actor may list, issue and revoke the
// tokens of userID: an admin, or the user itself.
func mayManageTokens(actor leadrouter.Actor, userID string) bool {
	return actor.Is(leadrouter.RoleAdmin) || (actor.UserID != "" && actor.UserID == userID)
}

// IssueToken creates a token for userID (an admin, or the user itself;
// 404 for anyone else) and returns it with its secret, shown this once.
func IssueToken(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, userID string) (leadrouter.Token, string, error) {
	if !mayManageTokens(actor, userID) {
		return leadrouter.Token{}, "", leadrouter.Errorf(leadrouter.ENOTFOUND, "User not found.")
	}
	if _, err := tx.User(ctx, leadrouter.System, userID); err != nil {
		return leadrouter.Token{}, "", err
	}
	t, secret, err := tx.InsertToken(ctx, userID)
	if err != nil {
		return t, "", err
	}
	if _, err := tx.AppendEvent(ctx, userID, "token_issued", actor, map[string]string{"token_id": t.ID}); err != nil {
		return leadrouter.Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes a token (again: no change) and returns it with the
// hash of its secret, so that the caller can drop it from caches.
func RevokeToken(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, id string) (leadrouter.Token, string, error) {
	t, hash, err := tx.TokenForUpdate(ctx, id)
	if err == nil && !mayManageTokens(actor, t.UserID) {
		err = leadrouter.Errorf(leadrouter.ENOTFOUND, "Token not found.")
	}
	if err != nil || t.RevokedAt != nil {
		return t, hash, err
	}
	now := tx.Now()
	t.RevokedAt = &now
	if err := tx.MarkTokenRevoked(ctx, t); err != nil {
		return leadrouter.Token{}, "", err
	}
	if _, err := tx.AppendEvent(ctx, t.UserID, "token_revoked", actor, map[string]string{"token_id": t.ID}); err != nil {
		return leadrouter.Token{}, "", err
	}
	return t, hash, nil
}

// CreateWebhook subscribes rawURL to events (all when none is named):
// the target must pass policy (nil refuses every target), the events must
// be known.
func CreateWebhook(ctx context.Context, tx *store.Tx, policy leadrouter.EgressPolicy, rawURL string, events []string) (leadrouter.Webhook, error) {
	var v leadrouter.Validation
	if policy == nil {
		v.Add("url", "no outbound address policy is set, so no target is allowed")
	} else if msg := policy.CheckURL(rawURL); msg != "" {
		v.Add("url", "%s", msg)
	}
	names := leadrouter.WebhookEventNames()
	if len(events) == 0 {
		events = names
	}
	for _, e := range events {
		if !slices.Contains(names, e) {
			v.Add("events", "unknown event %q (want: %s)", e, strings.Join(names, ", "))
		}
	}
	if err := v.Err(); err != nil {
		return leadrouter.Webhook{}, err
	}
	h := leadrouter.Webhook{ID: leadrouter.NewID("whk"), URL: rawURL, Events: events, Secret: leadrouter.NewSecret("whsec_"), Active: true, CreatedAt: tx.Now()}
	return h, tx.InsertWebhook(ctx, h)
}
