package lifecycle

import (
	"context"
	"math"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// ConvertInput names the opportunity a conversion creates.
type ConvertInput struct {
	// OpportunityName defaults to "<company> opportunity".
	OpportunityName string
	// Amount is optional and not negative.
	Amount *float64
}

// Conversion is what converting a lead created or reused.
type Conversion struct {
	Lead           leadrouter.Lead
	Opportunity    leadrouter.Opportunity
	Contact        leadrouter.Contact
	Account        leadrouter.Account
	AccountReused  bool
	ContactReused  bool
	HandedOffOnNew bool
}

// Convert turns a qualified lead into an opportunity, a contact and an
// account, all in one transaction: the account is the lead's own
// (lead.account_id), else the one owning its e-mail domain, else the
// account of an existing contact with its e-mail, else a new one; the
// contact is reused by e-mail or created. The opportunity's hand-off state
// follows the lead:
//   - reserved for a PID partner: handoff_pending, in the queue of that
//     partner's PAM;
//   - owned by a partner (account owner, international, or a partner user):
//     handed_off to that partner at once;
//   - owned by the vendor: open.
//
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID, ECONFLICT (converted already, or
// not qualified).
func (s *Service) Convert(ctx context.Context, actor leadrouter.Actor, leadID string, in ConvertInput) (Conversion, error) {
	if err := actor.Require(QualifyRoles...); err != nil {
		return Conversion{}, err
	}
	var v leadrouter.Validation
	in.OpportunityName = clean(&v, "opportunity_name", in.OpportunityName, false, maxNameLen)
	if in.Amount != nil && (*in.Amount < 0 || math.IsNaN(*in.Amount) || math.IsInf(*in.Amount, 0)) {
		v.Add("amount", "must be a number not below zero")
	}
	if err := v.Err(); err != nil {
		return Conversion{}, err
	}
	var out Conversion
	err := s.update(ctx, func(tx *store.Tx) error {
		out = Conversion{}
		lead, err := tx.LeadForUpdate(ctx, actor, leadID)
		if err != nil {
			return err
		}
		switch {
		case lead.Status == leadrouter.StatusConverted:
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is converted already.")
		case lead.Status != leadrouter.StatusQualified:
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is %s; only qualified leads can be converted.", lead.Status)
		}
		if _, err := tx.OpportunityByLead(ctx, lead.ID); err == nil {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is converted already.")
		} else if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			return err
		}
		name := in.OpportunityName
		if name == "" {
			name = strings.TrimSpace(firstNonEmpty(lead.Company, match.EmailDomain(lead.Email), strings.TrimSpace(lead.FirstName+" "+lead.LastName), "Lead "+lead.ID) + " opportunity")
		}

		// The contact: reused by e-mail, else created below.
		contact, err := tx.ContactByEmail(ctx, lead.Email)
		switch {
		case err == nil:
			out.ContactReused = true
		case leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND:
			return err
		}
		// The account: the lead's, the e-mail domain's, the contact's, or new.
		accountID := lead.AccountID
		if accountID == "" {
			if domain := match.EmailDomain(lead.Email); domain != "" && !match.IsFreeMail(domain) {
				if accountID, err = tx.AccountByDomain(ctx, domain); err != nil {
					return err
				}
			}
		}
		if accountID == "" && out.ContactReused {
			accountID = contact.AccountID
		}
		if accountID != "" {
			if out.Account, err = tx.Account(ctx, leadrouter.System, accountID); err != nil {
				return err
			}
			out.AccountReused = true
		} else if out.Account, err = admin.CreateAccount(ctx, tx, actor, newAccountFor(lead)); err != nil {
			return err
		}
		if !out.ContactReused {
			contact = leadrouter.Contact{AccountID: out.Account.ID, LeadID: lead.ID, FirstName: lead.FirstName, LastName: lead.LastName,
				Email: lead.Email, Phone: lead.Phone}
			if err := tx.InsertContact(ctx, &contact); err != nil {
				return err
			}
		}
		out.Contact = contact

		opp := leadrouter.Opportunity{LeadID: lead.ID, AccountID: out.Account.ID, ContactID: contact.ID, Name: name, Amount: in.Amount}
		now := tx.Now()
		switch {
		case lead.ReservedPartnerID != "" && lead.ReservedPartnerID != lead.Owner.PartnerID:
			// SPEC W6: partners get a PID-reserved lead only when its PAM
			// hands it off.
			reserved, err := tx.Partner(ctx, leadrouter.System, lead.ReservedPartnerID)
			if err != nil {
				return err
			}
			opp.Status, opp.ReservedPartnerID, opp.PAMUserID = leadrouter.OppHandoffPending, reserved.ID, reserved.PAMUserID
		case lead.Owner.PartnerID != "":
			opp.Status, opp.PartnerID, opp.HandedOffAt = leadrouter.OppHandedOff, lead.Owner.PartnerID, &now
			opp.ReservedPartnerID = lead.ReservedPartnerID
			lead.HandoffPartnerID = lead.Owner.PartnerID
			out.HandedOffOnNew = true
		default:
			opp.Status = leadrouter.OppOpen
		}
		if err := tx.InsertOpportunity(ctx, &opp); err != nil {
			return err
		}
		out.Opportunity = opp

		lead.Status, lead.AccountID = leadrouter.StatusConverted, out.Account.ID
		if err := tx.UpdateLead(ctx, &lead); err != nil {
			return err
		}
		if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventStatus, actor, map[string]any{
			"from": leadrouter.StatusQualified, "to": leadrouter.StatusConverted, "reason": "converted"}); err != nil {
			return err
		}
		if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventConverted, actor, map[string]any{
			"opportunity_id": opp.ID, "opportunity_status": opp.Status, "account_id": out.Account.ID, "account_reused": out.AccountReused,
			"contact_id": contact.ID, "contact_reused": out.ContactReused}); err != nil {
			return err
		}
		if out.HandedOffOnNew {
			if err := tx.LeadEvent(ctx, lead.ID, leadrouter.EventHandoff, actor, map[string]any{
				"opportunity_id": opp.ID, "new_owner": ownerData(partnerOwner(opp.PartnerID)), "override": false,
				"reason": "the lead was routed to this partner"}); err != nil {
				return err
			}
			if s.Assignments != nil {
				if err := s.Assignments.Converted(ctx, tx, actor, lead, opp); err != nil {
					return err
				}
			}
		}
		out.Lead = lead
		return nil
	})
	return out, err
}

// newAccountFor is the account a lead without a matched one converts
// into: named after its company (or e-mail domain), with its e-mail's
// registrable domain unless that is a free-mail domain.
func newAccountFor(l leadrouter.Lead) leadrouter.NewAccount {
	domain := match.EmailDomain(l.Email)
	in := leadrouter.NewAccount{Country: l.Country}
	if domain != "" && !match.IsFreeMail(domain) {
		if reg, ok := match.RegistrableDomain(domain); ok {
			domain = reg
		}
		in.Domains = []string{domain}
	} else {
		domain = ""
	}
	in.Name = firstNonEmpty(strings.TrimSpace(l.Company), domain, strings.TrimSpace(l.FirstName+" "+l.LastName), l.Email, "Lead "+l.ID)
	if r := []rune(in.Name); len(in.Name) > maxNameLen {
		in.Name = string(r[:min(len(r), maxNameLen/4)])
	}
	return in
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// partnerOwner is the partner-level owner of a lead.
func partnerOwner(partnerID string) leadrouter.Owner {
	return leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: partnerID, PartnerID: partnerID}
}
