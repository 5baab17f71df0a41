package portal

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/httpapi"
	"github.com/leadrouter/leadrouter/lookup"
	"github.com/leadrouter/leadrouter/registration"
	"github.com/leadrouter/leadrouter/store"
)

// Registrations is prospect registration (registration.Service).
type Registrations interface {
	Register(ctx context.Context, actor leadrouter.Actor, in registration.Input) (leadrouter.Registration, error)
	List(ctx context.Context, actor leadrouter.Actor, f store.RegistrationFilter) (store.Page[leadrouter.Registration], error)
	Approve(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error)
	Reject(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error)
	RequestExtension(ctx context.Context, actor leadrouter.Actor, id, reason string) (leadrouter.Registration, error)
	ExtensionsAsked(ctx context.Context, actor leadrouter.Actor, ids []string) (map[string]string, error)
}

// Where a registration's one extension stands, as the partner's page says.
const (
	extensionRequested = "requested"
	extensionApproved  = "approved"
	extensionRefused   = "refused"
)

// partnerRegistration is one row of a partner's registrations page: the
// partner view (no other partner's name, no contact; its reasons said for
// its current status) and what the page says about its decision and its
// extension.
type partnerRegistration struct {
	httpapi.RegistrationView
	// Decision names the latest decision Partner Relations took ("" when
	// none); the view's DecisionReason is its reason.
	Decision string
	// Extension is extensionRequested, extensionApproved, extensionRefused
	// or "" (never asked).
	Extension string
	// CanExtend offers the form asking for the one extension.
	CanExtend bool
}

// describeRegistration says what the partner's page shows of v: asked
// tells whether an extension was ever asked for (a refused one leaves no
// other trace on the registration).
func describeRegistration(v httpapi.RegistrationView, asked bool) partnerRegistration {
	row := partnerRegistration{RegistrationView: v}
	switch {
	case v.ExtensionRequested:
		row.Extension = extensionRequested
	case v.Extended:
		row.Extension = extensionApproved
	case asked:
		row.Extension = extensionRefused
	}
	row.CanExtend = v.Status == leadrouter.RegistrationApproved && row.Extension == ""
	reviewed := v.Flag == leadrouter.FlagYellow && v.Status != leadrouter.RegistrationPending
	switch {
	case row.Extension == extensionApproved:
		row.Decision = msg("Extension approved by Partner Relations")
	case row.Extension == extensionRefused:
		row.Decision = msg("Extension refused by Partner Relations")
	case reviewed && v.Status == leadrouter.RegistrationRejected:
		row.Decision = msg("Rejected by Partner Relations")
	case reviewed:
		row.Decision = msg("Approved by Partner Relations")
	}
	return row
}

type registrationsData struct {
	Items   []partnerRegistration
	Created any
	Form    map[string]string
}

// registrationsPage renders the partner's registrations with data's form
// and answer, and formErr.
func (p *Portal) registrationsPage(w http.ResponseWriter, r *http.Request, s *session, status int, data registrationsData, formErr error) error {
	ctx := r.Context()
	list, err := p.cfg.Registrations.List(ctx, s.actor, store.RegistrationFilter{Limit: 100})
	if err != nil {
		return err
	}
	var ids []string
	for _, reg := range list.Items {
		if st := reg.Status; (st == leadrouter.RegistrationApproved || st == leadrouter.RegistrationExpired) && !reg.ExtensionRequested && !reg.Extended {
			ids = append(ids, reg.ID)
		}
	}
	asked, err := p.cfg.Registrations.ExtensionsAsked(ctx, s.actor, ids)
	if err != nil {
		return err
	}
	now := p.db.Now()
	for _, reg := range list.Items {
		v, ok := httpapi.NewRegistrationView(s.actor, reg, now).(httpapi.RegistrationView)
		if !ok {
			return leadrouter.Errorf(leadrouter.EFORBIDDEN, "The registrations page is for partner users.")
		}
		_, wasAsked := asked[reg.ID]
		data.Items = append(data.Items, describeRegistration(v, wasAsked))
	}
	p.render(w, r, s, status, "registrations", "Registrations", data, formErr)
	return nil
}

// registrations lists the partner's registrations with the form to
// register a prospect.
func (p *Portal) registrations(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return p.unavailable(w, r, s, "Registrations", msg("Prospect registration"))
	}
	return p.registrationsPage(w, r, s, http.StatusOK, registrationsData{}, nil)
}

// register registers a prospect and shows its flag.
func (p *Portal) register(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return errUnavailable("registration")
	}
	form := map[string]string{}
	for _, k := range []string{"company", "domain", "country", "contact_email", "note"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	reg, err := p.cfg.Registrations.Register(r.Context(), s.actor, registration.Input{Company: form["company"], Domain: form["domain"],
		Country: form["country"], ContactEmail: form["contact_email"], Note: form["note"]})
	if err != nil {
		return p.registrationsPage(w, r, s, statusOf(err), registrationsData{Form: form}, err)
	}
	created := httpapi.NewRegistrationView(s.actor, reg, p.db.Now())
	return p.registrationsPage(w, r, s, http.StatusCreated, registrationsData{Created: created}, nil)
}

// extend asks Partner Relations to extend one of the partner's approved
// registrations by one period, with a reason.
func (p *Portal) extend(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return errUnavailable("registration")
	}
	if _, err := p.cfg.Registrations.RequestExtension(r.Context(), s.actor, r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
			return err
		}
		return p.registrationsPage(w, r, s, statusOf(err), registrationsData{}, err)
	}
	http.Redirect(w, r, "/portal/registrations?done=extension_asked", http.StatusSeeOther)
	return nil
}

// approvalRow is a registration as Partner Relations decide it: the staff
// view with its partner's name, the records the search found and, for an
// extension, why the partner asks.
type approvalRow struct {
	httpapi.RegistrationStaffView
	PartnerName string
	Records     []conflictRow
	// ExtensionReason is the reason the partner gave for its extension
	// request.
	ExtensionReason string
}

// conflictRow is one record the conflict search found, with who holds it
// by name.
type conflictRow struct {
	leadrouter.RegistrationConflict
	Holder string
	// ReservedFor names the partner a lead held by the vendor waits for.
	ReservedFor string
}

type approvalsData struct {
	// Pending are the yellow-flag registrations waiting for a decision.
	Pending []approvalRow
	// Extensions are the approved registrations whose extension waits.
	Extensions []approvalRow
	// OpenConflicts counts the channel conflicts waiting for Relations.
	OpenConflicts int
}

// approvalsPage renders Partner Relations' two queues with formErr.
func (p *Portal) approvalsPage(w http.ResponseWriter, r *http.Request, s *session, status int, formErr error) error {
	ctx := r.Context()
	pending, err := p.cfg.Registrations.List(ctx, s.actor, store.RegistrationFilter{Status: leadrouter.RegistrationPending, Limit: 100})
	if err != nil {
		return err
	}
	extensions, err := p.cfg.Registrations.List(ctx, s.actor, store.RegistrationFilter{ExtensionRequested: true, Limit: 100})
	if err != nil {
		return err
	}
	var data approvalsData
	var partnerIDs, userIDs, extIDs []string
	for _, reg := range append(append([]leadrouter.Registration{}, pending.Items...), extensions.Items...) {
		partnerIDs = append(partnerIDs, reg.PartnerID)
		for _, c := range reg.Conflicts {
			kind, id, _ := strings.Cut(c.Owner, ":")
			switch {
			case c.PartnerID != "":
				partnerIDs = append(partnerIDs, c.PartnerID)
			case leadrouter.OwnerKind(kind) == leadrouter.OwnerPartner:
				partnerIDs = append(partnerIDs, id)
			case leadrouter.OwnerKind(kind) == leadrouter.OwnerUser:
				userIDs = append(userIDs, id)
			}
		}
	}
	for _, reg := range extensions.Items {
		extIDs = append(extIDs, reg.ID)
	}
	names, err := p.cfg.Lookup.People(ctx, s.actor, partnerIDs, userIDs)
	if err != nil {
		return err
	}
	reasons, err := p.cfg.Registrations.ExtensionsAsked(ctx, s.actor, extIDs)
	if err != nil {
		return err
	}
	now := p.db.Now()
	for _, reg := range pending.Items {
		row, err := newApprovalRow(names, s.actor, reg, now)
		if err != nil {
			return err
		}
		data.Pending = append(data.Pending, row)
	}
	for _, reg := range extensions.Items {
		row, err := newApprovalRow(names, s.actor, reg, now)
		if err != nil {
			return err
		}
		row.ExtensionReason = reasons[reg.ID]
		data.Extensions = append(data.Extensions, row)
	}
	data.OpenConflicts = p.openConflicts(ctx, s)
	p.render(w, r, s, status, "approvals", "Approvals", data, formErr)
	return nil
}

// holder names who holds a conflict's record: a partner by name (the
// search stored it), a vendor user by name, or a queue.
// reservedHolder is a found record's row: a lead the vendor (or one of
// its queues) works while it waits for the partner it is reserved for is
// held by the vendor, reserved for that partner, not held by the partner.
func reservedHolder(names *lookup.Names, c leadrouter.RegistrationConflict) conflictRow {
	kind, _, _ := strings.Cut(c.Owner, ":")
	if c.Kind == "lead" && c.PartnerID != "" && kind != "" && kind != string(leadrouter.OwnerPartner) {
		reserved := c.PartnerName
		if reserved == "" {
			reserved = names.Partner(c.PartnerID)
		}
		c.PartnerID, c.PartnerName = "", ""
		return conflictRow{RegistrationConflict: c, Holder: holder(names, c), ReservedFor: reserved}
	}
	return conflictRow{RegistrationConflict: c, Holder: holder(names, c)}
}

func holder(names *lookup.Names, c leadrouter.RegistrationConflict) string {
	if c.PartnerName != "" {
		return c.PartnerName
	}
	kind, id, _ := strings.Cut(c.Owner, ":")
	switch {
	case c.PartnerID != "":
		kind, id = string(leadrouter.OwnerPartner), c.PartnerID
	case id == "":
		return ""
	}
	var name string
	switch leadrouter.OwnerKind(kind) {
	case leadrouter.OwnerPartner:
		name = names.Partner(id)
	case leadrouter.OwnerUser:
		name = names.User(id)
	case leadrouter.OwnerQueue:
		return "queue " + id
	}
	if name != "" {
		return name
	}
	return c.Owner
}

// newApprovalRow renders reg for staff with the names the page shows.
func newApprovalRow(names *lookup.Names, actor leadrouter.Actor, reg leadrouter.Registration, now time.Time) (approvalRow, error) {
	v, ok := httpapi.NewRegistrationView(actor, reg, now).(httpapi.RegistrationStaffView)
	if !ok {
		return approvalRow{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Approvals are for Partner Relations.")
	}
	row := approvalRow{RegistrationStaffView: v, PartnerName: names.Partner(reg.PartnerID)}
	for _, c := range v.Conflicts {
		row.Records = append(row.Records, reservedHolder(names, c))
	}
	return row, nil
}

// approvals is Partner Relations' queues: yellow-flag registrations and
// requested extensions.
func (p *Portal) approvals(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return p.unavailable(w, r, s, "Approvals", msg("Prospect registration"))
	}
	return p.approvalsPage(w, r, s, http.StatusOK, nil)
}

// decide approves or rejects a pending registration, or a requested
// extension, with a reason.
func (p *Portal) decide(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Registrations == nil {
		return errUnavailable("registration")
	}
	id, reason := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("reason"))
	var err error
	switch r.PathValue("decision") {
	case "approve":
		_, err = p.cfg.Registrations.Approve(r.Context(), s.actor, id, reason)
	case "reject":
		_, err = p.cfg.Registrations.Reject(r.Context(), s.actor, id, reason)
	default:
		err = leadrouter.Errorf(leadrouter.ENOTFOUND, "No such page.")
	}
	if err != nil {
		return p.approvalsPage(w, r, s, statusOf(err), err)
	}
	http.Redirect(w, r, "/portal/approvals?done=registration_done", http.StatusSeeOther)
	return nil
}
