// Package registration owns prospect registration (W7): a partner's claim on
// a prospect company, the conflict search that flags it green, yellow or
// red, Partner Relations' approval and rejection, the one extension a
// partner may ask for, and expiry.
//
// Each decision runs in one transaction that first locks the prospect's
// registration_locks rows (its domain, company key and company tokens, in
// sorted order), then searches and decides, so two partners registering one
// prospect at once cannot both get green, on SQLite and on PostgreSQL with
// several server processes. Every decision goes on the timelines of the
// registration, of the accounts it matched or took, and of the leads it
// matched.
package registration

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/admin"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// DefaultExpiryDays is how long an approved registration lasts (and how
// much an extension adds) unless the Service says otherwise.
const DefaultExpiryDays = 90

// Decisions recorded in the "decision" field of timeline events.
const (
	DecisionRegistered        = "registered"
	DecisionApproved          = "approved"
	DecisionRejected          = "rejected"
	DecisionExpired           = "expired"
	DecisionExtensionAsked    = "extension_requested"
	DecisionExtensionApproved = "extension_approved"
	DecisionExtensionRejected = "extension_rejected"
)

// Service runs the registration workflow.
type Service struct {
	DB *store.DB
	// ExpiryDays is the life of an approved registration and the length of
	// its one extension (policy setting; default 90).
	ExpiryDays int
	// ExpireEvery is how often Run marks lapsed registrations expired
	// (default one minute).
	ExpireEvery time.Duration
	Logger      *slog.Logger
}

func (s *Service) period() int {
	if s.ExpiryDays <= 0 {
		return DefaultExpiryDays
	}
	return s.ExpiryDays
}

// Input is what a partner gives to register a prospect. There is no flag,
// status, owner or expiry: the search decides those.
type Input struct {
	Company      string
	Domain       string
	Country      string
	ContactEmail string
	Note         string
}

// parsed is a validated Input.
type parsed struct {
	Prospect
	Country string
	Note    string
}

func parseCompany(v *leadrouter.Validation, company string) (string, string) {
	company = strings.TrimSpace(company)
	switch {
	case company == "":
		v.Add("company", "is required")
	case len(company) > 300:
		v.Add("company", "is longer than 300 characters")
	default:
		key := match.NormaliseCompany(company)
		if key == "" {
			v.Add("company", "must name the company, not only its legal form")
		}
		return company, key
	}
	return company, ""
}

func parseDomain(v *leadrouter.Validation, raw string) (host, domain string) {
	host, err := leadrouter.ParseDomain(raw)
	if err != nil {
		v.Add("domain", "%s", leadrouter.ErrorMessage(err))
		return "", ""
	}
	domain, ok := match.RegistrableDomain(host)
	if !ok {
		v.Add("domain", "%s is a public suffix, not a company's domain", host)
		return "", ""
	}
	if match.IsFreeMail(domain) || match.IsFreeMail(host) {
		v.Add("domain", "%s is a free-mail domain; give the company's own domain", domain)
	}
	return host, domain
}

// parseContactEmail sets p's contact e-mail, when one is given, and its
// host and registrable domain (left empty for free mail, which says nothing
// about the company).
func (p *Prospect) parseContactEmail(v *leadrouter.Validation, raw string) {
	if strings.TrimSpace(raw) == "" {
		return
	}
	email, err := leadrouter.ParseEmail(raw)
	if err != nil {
		v.Add("contact_email", "%s", leadrouter.ErrorMessage(err))
		return
	}
	p.setContactEmail(email)
}

func (p *Prospect) setContactEmail(email string) {
	p.ContactEmail, p.EmailHost, p.EmailDomain = email, "", ""
	host := match.EmailDomain(email)
	if domain, ok := match.RegistrableDomain(host); ok && !match.IsFreeMail(domain) && !match.IsFreeMail(host) {
		p.EmailHost, p.EmailDomain = host, domain
	}
}

// validate normalises the input and reports every invalid field.
func (in Input) validate() (parsed, error) {
	var v leadrouter.Validation
	var p parsed
	p.Company, p.CompanyKey = parseCompany(&v, in.Company)
	if strings.TrimSpace(in.Domain) == "" {
		v.Add("domain", "is required")
	} else {
		p.Host, p.Domain = parseDomain(&v, in.Domain)
	}
	if c, err := leadrouter.ParseCountry(in.Country); err != nil {
		v.Add("country", "%s", leadrouter.ErrorMessage(err))
	} else {
		p.Country = c
	}
	p.parseContactEmail(&v, in.ContactEmail)
	p.Note = strings.TrimSpace(in.Note)
	if len(p.Note) > 2000 {
		v.Add("note", "is longer than 2000 characters")
	}
	return p, v.Err()
}

// prospectOf is the prospect of a stored registration.
func prospectOf(r leadrouter.Registration) Prospect {
	p := Prospect{Company: r.Company, CompanyKey: match.NormaliseCompany(r.Company), Host: r.Domain, Domain: r.Domain}
	if r.ContactEmail != "" {
		p.setContactEmail(r.ContactEmail)
	}
	return p
}

// Register runs the conflict search for a partner's prospect and stores the
// registration with its flag: green is approved at once (with an expiry and
// the account created or claimed for the partner), yellow waits for
// Partner Relations, red is rejected. A partner that already holds a live
// registration for the prospect gets ECONFLICT.
func (s *Service) Register(ctx context.Context, actor leadrouter.Actor, in Input) (leadrouter.Registration, error) {
	if err := actor.Require(leadrouter.RolePartner); err != nil {
		return leadrouter.Registration{}, err
	}
	if actor.PartnerID == "" {
		return leadrouter.Registration{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only a partner's users may register prospects.")
	}
	p, err := in.validate()
	if err != nil {
		return leadrouter.Registration{}, err
	}
	var reg leadrouter.Registration
	err = s.DB.Update(ctx, func(tx *store.Tx) error {
		status, err := tx.PartnerStatus(ctx, actor.PartnerID)
		if err != nil {
			return err
		}
		if status != leadrouter.PartnerActive {
			return leadrouter.Errorf(leadrouter.EFORBIDDEN, "Your partner account is suspended.")
		}
		if err := refuseOwnCompany(ctx, tx, actor.PartnerID, p.Prospect); err != nil {
			return err
		}
		if err := tx.LockRegistrationKeys(ctx, p.lockKeys()); err != nil {
			return err
		}
		a, err := search(ctx, tx, p.Prospect, actor.PartnerID, "")
		if err != nil {
			return err
		}
		if a.Duplicate != "" {
			return duplicateError(a)
		}
		now := tx.Now()
		reg = leadrouter.Registration{
			ID: leadrouter.NewID("reg"), PartnerID: actor.PartnerID, CreatedBy: actor.UserID, Company: p.Company, Domain: p.Domain,
			Country: p.Country, ContactEmail: p.ContactEmail, Note: p.Note, Flag: a.Flag, Status: a.Flag.Status(),
			Reasons: a.Reasons, Conflicts: a.Conflicts,
		}
		if a.Flag != leadrouter.FlagYellow {
			reg.DecidedBy, reg.DecidedAt = leadrouter.System.Label(), &now
		}
		var accountEvent map[string]any
		if a.Flag == leadrouter.FlagGreen {
			if accountEvent, err = s.grant(ctx, tx, actor, &reg, a); err != nil {
				return err
			}
		}
		if err := namePartners(ctx, tx, reg.Conflicts); err != nil {
			return err
		}
		if err := tx.InsertRegistration(ctx, &reg); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, reg, DecisionRegistered, "", a.AccountIDs, a.LeadIDs, accountEvent)
	})
	return reg, err
}

// grant gives reg the effect of a green flag: approved until now plus the
// expiry period, with the account it matched claimed (or kept, when the
// partner owns it already) or, when none matched, a new account owned by
// the partner. It returns what happened to the account.
func (s *Service) grant(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, reg *leadrouter.Registration, a Assessment) (map[string]any, error) {
	var accountID, accountName, previousOwner string
	var action leadrouter.Effect
	if a.Account != nil {
		accountID, accountName, action, previousOwner = a.Account.ID, a.Account.Name, a.AccountAction, a.Account.OwnerPartnerID
		if previousOwner != reg.PartnerID {
			if err := tx.SetAccountOwner(ctx, accountID, previousOwner, reg.PartnerID); err != nil {
				return nil, err
			}
		}
	} else {
		in := leadrouter.NewAccount{Name: reg.Company, Country: reg.Country, OwnerPartnerID: reg.PartnerID}
		if reg.Domain != "" {
			in.Domains = []string{reg.Domain}
		}
		acc, err := admin.CreateAccount(ctx, tx, actor, in)
		if err != nil {
			return nil, err
		}
		accountID, accountName, action = acc.ID, acc.Name, leadrouter.EffectCreated
	}
	reg.AccountID = accountID
	found := false
	for i, c := range reg.Conflicts {
		if c.Kind == "account" && c.ID == accountID {
			reg.Conflicts[i].Effect, found = action, true
			break
		}
	}
	if !found {
		reg.Conflicts = append(reg.Conflicts, leadrouter.RegistrationConflict{Kind: "account", ID: accountID, Name: accountName,
			Match: []string{"registration"}, Score: 1, Certain: true, Effect: action, PartnerID: reg.PartnerID, Owner: "partner:" + reg.PartnerID})
	}
	expires := tx.Now().AddDate(0, 0, s.period())
	reg.Status, reg.ExpiresAt = leadrouter.RegistrationApproved, &expires
	ev := map[string]any{"account_id": accountID, "account_action": action}
	if previousOwner != "" && previousOwner != reg.PartnerID {
		ev["previous_owner_partner_id"] = previousOwner
	}
	return ev, nil
}

// record appends the decision to the timelines of the registration, of the
// accounts (matched, and the one it took) and of the matched leads. Lead
// timelines may be shown to the partners working them: their events carry
// no partner id, and the registering partner's name only under a key
// redacted for partners.
func (s *Service) record(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, reg leadrouter.Registration, decision, reason string,
	accountIDs, leadIDs []string, accountEvent map[string]any) error {
	data := map[string]any{
		"decision": decision, "flag": reg.Flag, "status": reg.Status, "partner_id": reg.PartnerID,
		"company": reg.Company, "domain": reg.Domain, "reasons": reg.Reasons,
	}
	if decision == DecisionRegistered || decision == DecisionApproved {
		data["conflicts"] = reg.Conflicts
	}
	if reg.ExpiresAt != nil {
		data["expires_at"] = reg.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if reason != "" {
		data["reason"] = reason
	}
	for k, v := range accountEvent {
		data[k] = v
	}
	if _, err := tx.AppendEvent(ctx, reg.ID, leadrouter.EventRegistration, actor, data); err != nil {
		return err
	}
	names, err := tx.PartnerNames(ctx, []string{reg.PartnerID})
	if err != nil {
		return err
	}
	partnerName := names[reg.PartnerID]
	seen := map[string]bool{}
	if reg.AccountID != "" {
		accountIDs = append([]string{reg.AccountID}, accountIDs...)
	}
	for _, id := range accountIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		accData := map[string]any{"registration_id": reg.ID, "decision": decision, "flag": reg.Flag, "status": reg.Status,
			"partner_id": reg.PartnerID, "partner_name": partnerName}
		if id == reg.AccountID {
			for k, v := range accountEvent {
				accData[k] = v
			}
		}
		if _, err := tx.AppendEvent(ctx, id, leadrouter.EventRegistration, actor, accData); err != nil {
			return err
		}
	}
	for _, id := range leadIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := tx.AppendEvent(ctx, id, leadrouter.EventRegistration, actor, map[string]any{"registration_id": reg.ID,
			"decision": decision, "flag": reg.Flag, "status": reg.Status, "partner_name": partnerName}); err != nil {
			return err
		}
	}
	return nil
}

// matchedSubjects are the accounts and leads a stored registration's
// conflicts name, for the timelines of later decisions.
func matchedSubjects(reg leadrouter.Registration) (accountIDs, leadIDs []string) {
	for _, c := range reg.Conflicts {
		switch {
		case c.Kind == "account" && !(len(c.Match) == 1 && c.Match[0] == "hierarchy"):
			accountIDs = append(accountIDs, c.ID)
		case c.Kind == "lead":
			leadIDs = append(leadIDs, c.ID)
		}
	}
	return accountIDs, leadIDs
}

// CheckInput is what the pre-registration check looks up: a domain, a
// company, a contact e-mail or any of them together (as a registration
// would give them), and for staff optionally the partner to check for.
type CheckInput struct {
	Company      string
	Domain       string
	ContactEmail string
	PartnerID    string
}

// CheckResult is the flag a registration would get now, with its reasons
// and (for staff) the conflict detail.
type CheckResult struct {
	Flag      leadrouter.RegistrationFlag
	Status    leadrouter.RegistrationStatus
	Reasons   []leadrouter.RegistrationReason
	Conflicts []leadrouter.RegistrationConflict
	ExpiresAt *time.Time
	PartnerID string
}

// Check runs the conflict search a registration would run, without
// creating anything: partners check for themselves, staff for the partner
// named (or for no partner). A partner's own company is refused as
// Register refuses it.
func (s *Service) Check(ctx context.Context, actor leadrouter.Actor, in CheckInput) (CheckResult, error) {
	if actor.Role == "" {
		return CheckResult{}, leadrouter.Errorf(leadrouter.EUNAUTHORIZED, "Authentication required.")
	}
	partnerID := strings.TrimSpace(in.PartnerID)
	if actor.IsPartner() {
		partnerID = actor.PartnerID
	}
	var v leadrouter.Validation
	var p Prospect
	if strings.TrimSpace(in.Company) == "" && strings.TrimSpace(in.Domain) == "" && strings.TrimSpace(in.ContactEmail) == "" {
		v.Add("domain", "give a domain, a company, a contact e-mail or several of them")
	}
	if strings.TrimSpace(in.Company) != "" {
		p.Company, p.CompanyKey = parseCompany(&v, in.Company)
	}
	if strings.TrimSpace(in.Domain) != "" {
		p.Host, p.Domain = parseDomain(&v, in.Domain)
	}
	p.parseContactEmail(&v, in.ContactEmail)
	if err := v.Err(); err != nil {
		return CheckResult{}, err
	}
	var res CheckResult
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if partnerID != "" {
			if _, err := tx.PartnerStatus(ctx, partnerID); err != nil {
				return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
					Fields: []leadrouter.FieldError{{Field: "partner_id", Message: "must name an existing partner"}}}
			}
			if err := refuseOwnCompany(ctx, tx, partnerID, p); err != nil {
				return err
			}
		}
		a, err := search(ctx, tx, p, partnerID, "")
		if err != nil {
			return err
		}
		if err := namePartners(ctx, tx, a.Conflicts); err != nil {
			return err
		}
		res = CheckResult{Flag: a.Flag, Status: a.Flag.Status(), Reasons: a.Reasons, Conflicts: a.Conflicts, PartnerID: partnerID}
		if a.Flag == leadrouter.FlagGreen {
			t := tx.Now().AddDate(0, 0, s.period())
			res.ExpiresAt = &t
		}
		return nil
	})
	return res, err
}

// Get returns a registration as actor may see it (a partner only its own).
func (s *Service) Get(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Registration, error) {
	var reg leadrouter.Registration
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		reg, err = tx.Registration(ctx, actor, id)
		return err
	})
	return reg, err
}

// List returns the registrations actor may see, filtered; staff's status
// "pending" is the Partner Relations queue.
func (s *Service) List(ctx context.Context, actor leadrouter.Actor, f store.RegistrationFilter) (store.Page[leadrouter.Registration], error) {
	var v leadrouter.Validation
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "must be approved, pending, rejected or expired")
	}
	if err := v.Err(); err != nil {
		return store.Page[leadrouter.Registration]{}, err
	}
	if actor.IsPartner() {
		f.PartnerID = ""
	}
	var page store.Page[leadrouter.Registration]
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		page, err = tx.Registrations(ctx, actor, f)
		return err
	})
	return page, err
}

// Timeline returns a registration's events (staff).
func (s *Service) Timeline(ctx context.Context, actor leadrouter.Actor, id string) ([]leadrouter.Event, error) {
	if !actor.IsStaff() {
		return nil, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Only staff may read a registration's timeline.")
	}
	var events []leadrouter.Event
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		if _, err := tx.Registration(ctx, actor, id); err != nil {
			return err
		}
		var err error
		events, err = tx.Timeline(ctx, id)
		return err
	})
	return events, err
}

func requireReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var v leadrouter.Validation
	switch {
	case reason == "":
		v.Add("reason", "is required")
	case len(reason) > 2000:
		v.Add("reason", "is longer than 2000 characters")
	}
	return reason, v.Err()
}

// ExtensionsAsked tells, of the registrations ids that actor may see,
// which had an extension asked for, with the latest request's reason (an
// id actor may not see is left out).
func (s *Service) ExtensionsAsked(ctx context.Context, actor leadrouter.Actor, ids []string) (map[string]string, error) {
	asked := map[string]string{}
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if _, err := tx.Registration(ctx, actor, id); leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			events, err := tx.Timeline(ctx, id)
			if err != nil {
				return err
			}
			if reason, ok := LatestDecision(events, DecisionExtensionAsked); ok {
				asked[id] = reason
			}
		}
		return nil
	})
	return asked, err
}
