package lifecycle

import (
	"context"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// QualifyInput records that a lead was contacted and whether it consents
// to share its contact details with partners.
type QualifyInput struct {
	// ConsentShare is required: the lead's answer, yes or no.
	ConsentShare *bool
	// ConsentText is the exact wording put to the lead (required for yes).
	ConsentText string
	// Note is an optional remark for the timeline.
	Note string
	// IP is the address the request came from (for the consent record).
	IP string
}

// Qualify moves an open lead (new, nurturing, mql) to qualified and
// records its consent answer in the consent history. A PID-reserved lead
// (one whose conversion would go to its partner's hand-off queue) must
// have reached MQL first (SPEC W5: below the threshold it stays in nurture
// and is never handed to its partner); leads without a reservation may be
// qualified from any open status.
// Errors: EFORBIDDEN (role), ENOTFOUND, EINVALID, ECONFLICT (already
// qualified, converted or disqualified; reserved and below MQL).
func (s *Service) Qualify(ctx context.Context, actor leadrouter.Actor, leadID string, in QualifyInput) (leadrouter.Lead, error) {
	if err := actor.Require(QualifyRoles...); err != nil {
		return leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	if in.ConsentShare == nil {
		v.Add("consent_share", "is required (true or false)")
	}
	share := in.ConsentShare != nil && *in.ConsentShare
	in.ConsentText = clean(&v, "consent_text", in.ConsentText, share, maxConsentTextLen)
	in.Note = clean(&v, "note", in.Note, false, maxReasonLen)
	if err := v.Err(); err != nil {
		return leadrouter.Lead{}, err
	}
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if lead, err = tx.LeadForUpdate(ctx, actor, leadID); err != nil {
			return err
		}
		switch {
		case lead.Status == leadrouter.StatusQualified:
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is qualified already.")
		case !lead.Status.Open():
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is %s; only open leads can be qualified.", lead.Status)
		}
		if err := s.requireMQLIfReserved(lead); err != nil {
			return err
		}
		from := lead.Status
		lead.Status = leadrouter.StatusQualified
		if err := setConsent(ctx, tx, actor, &lead, share, in.ConsentText, "qualification", in.IP); err != nil {
			return err
		}
		if err := tx.UpdateLead(ctx, &lead); err != nil {
			return err
		}
		data := map[string]any{"from": from, "to": leadrouter.StatusQualified, "reason": "qualified", "contacted": true}
		if in.Note != "" {
			data["note"] = in.Note
		}
		return tx.LeadEvent(ctx, lead.ID, leadrouter.EventStatus, actor, data)
	})
	return lead, err
}

// requireMQLIfReserved refuses (ECONFLICT) to qualify a lead reserved for
// a PID partner that has not reached MQL: its status is still new or
// nurturing and its score is below the threshold of the routing policy in
// force. A lead its reserved partner owns already (routed or given to it)
// is not waiting for a hand-off and passes.
func (s *Service) requireMQLIfReserved(lead leadrouter.Lead) error {
	if lead.ReservedPartnerID == "" || lead.ReservedPartnerID == lead.Owner.PartnerID {
		return nil
	}
	if lead.Status != leadrouter.StatusNew && lead.Status != leadrouter.StatusNurturing {
		return nil // mql (or later)
	}
	threshold := s.mqlThreshold()
	if lead.Score >= threshold {
		return nil // the threshold was lowered since the lead was scored
	}
	return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is reserved for its referring partner and has not reached MQL: "+
		"its score %d is below the MQL threshold of %d (status %s). A PID-reserved lead below the threshold stays in nurture "+
		"and is never handed to its partner; it can be qualified once its score reaches the threshold.", lead.Score, threshold, lead.Status)
}

// mqlThreshold is the MQL threshold of the routing policy in force (the
// live router's), else of the built-in policy.
func (s *Service) mqlThreshold() int {
	if s.Policy != nil {
		return s.Policy.MQLThreshold()
	}
	return routing.DefaultPolicy().MQLThreshold()
}

// Disqualify moves an open lead to disqualified, with a reason.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (no reason), ECONFLICT (not open).
func (s *Service) Disqualify(ctx context.Context, actor leadrouter.Actor, leadID, reason string) (leadrouter.Lead, error) {
	if err := actor.Require(QualifyRoles...); err != nil {
		return leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	reason = clean(&v, "reason", reason, true, maxReasonLen)
	if err := v.Err(); err != nil {
		return leadrouter.Lead{}, err
	}
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if lead, err = tx.LeadForUpdate(ctx, actor, leadID); err != nil {
			return err
		}
		if !lead.Status.Open() {
			return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead is %s; only open leads can be disqualified.", lead.Status)
		}
		from := lead.Status
		lead.Status = leadrouter.StatusDisqualified
		if err := tx.UpdateLead(ctx, &lead); err != nil {
			return err
		}
		return tx.LeadEvent(ctx, lead.ID, leadrouter.EventStatus, actor, map[string]any{"from": from, "to": leadrouter.StatusDisqualified, "reason": reason})
	})
	return lead, err
}

// ConsentInput is a new consent record: a grant (Share true, with the
// wording) or a withdrawal.
type ConsentInput struct {
	// Share is required.
	Share *bool
	// Text is the wording the lead agreed to (required for a grant) or a
	// note on the withdrawal.
	Text string
	// Source says how the answer came in (call, email, web_form, …).
	Source string
	// IP is the address the request came from.
	IP string
}

// RecordConsent appends a grant or a withdrawal to the lead's consent
// history and makes it the lead's current consent: after a withdrawal
// partners see the lead redacted at once.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) RecordConsent(ctx context.Context, actor leadrouter.Actor, leadID string, in ConsentInput) (leadrouter.Lead, error) {
	if err := actor.Require(ConsentRoles...); err != nil {
		return leadrouter.Lead{}, err
	}
	var v leadrouter.Validation
	if in.Share == nil {
		v.Add("share", "is required (true or false)")
	}
	share := in.Share != nil && *in.Share
	in.Text = clean(&v, "text", in.Text, share, maxConsentTextLen)
	in.Source = clean(&v, "source", in.Source, true, maxSourceLen)
	if err := v.Err(); err != nil {
		return leadrouter.Lead{}, err
	}
	if !share && in.Text == "" {
		in.Text = "Consent to share contact details withdrawn."
	}
	var lead leadrouter.Lead
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		if lead, err = tx.LeadForUpdate(ctx, actor, leadID); err != nil {
			return err
		}
		if err := setConsent(ctx, tx, actor, &lead, share, in.Text, in.Source, in.IP); err != nil {
			return err
		}
		return tx.UpdateLead(ctx, &lead)
	})
	return lead, err
}

// setConsent appends a consent record and its timeline event and sets the
// lead's current consent (the caller writes the lead back).
func setConsent(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead *leadrouter.Lead, share bool, text, source, ip string) error {
	now := tx.Now()
	withdrawn := lead.Consent.Share && !share
	lead.Consent = leadrouter.Consent{Share: share, At: &now, Text: text, Source: source}
	if err := tx.InsertConsent(ctx, lead.ID, share, text, source, ip, actor.Label()); err != nil {
		return err
	}
	return tx.LeadEvent(ctx, lead.ID, leadrouter.EventConsent, actor, map[string]any{
		"share": share, "text": text, "source": source, "ip": ip, "withdrawn": withdrawn})
}
