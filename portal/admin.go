package portal

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/intake"
)

// splitList splits a comma- or space-separated form field.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// adminHome is the admin's overview.
func (p *Portal) adminHome(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.adminPartners(w, r, s)
}

type partnersData struct {
	Partners []leadrouter.Partner
	PAMs     []leadrouter.User
	Form     map[string]string
}

func (p *Portal) partnersPage(w http.ResponseWriter, r *http.Request, s *session, status int, form map[string]string, formErr error) error {
	ctx := r.Context()
	var data partnersData
	data.Form = form
	page, err := p.cfg.Admin.Partners(ctx, s.actor, 500, "")
	if err != nil {
		return err
	}
	data.Partners = page.Items
	pams, err := p.cfg.Admin.Users(ctx, s.actor, leadrouter.RolePAM, 500, "")
	if err != nil {
		return err
	}
	data.PAMs = pams.Items
	p.render(w, r, s, status, "admin_partners", "Partners", data, formErr)
	return nil
}

// adminPartners lists partners with a create form and suspend buttons.
func (p *Portal) adminPartners(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.partnersPage(w, r, s, http.StatusOK, nil, nil)
}

// createPartner creates a partner; its PID is issued by the store.
func (p *Portal) createPartner(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	form := map[string]string{}
	for _, k := range []string{"name", "countries", "domains", "tier", "pam_user_id"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	in := leadrouter.NewPartner{Name: form["name"], Countries: splitList(form["countries"]), Domains: splitList(form["domains"]),
		Tier: form["tier"], PAMUserID: form["pam_user_id"]}
	_, err := p.cfg.Admin.CreatePartner(ctx, s.actor, in)
	if err != nil {
		return p.partnersPage(w, r, s, statusOf(err), form, err)
	}
	p.partnersChanged()
	http.Redirect(w, r, "/portal/admin/partners?done=partner_created", http.StatusSeeOther)
	return nil
}

func (p *Portal) partnersChanged() {
	if p.cfg.OnPartnersChanged != nil {
		p.cfg.OnPartnersChanged()
	}
}

// partnerStatus suspends or reactivates a partner.
func (p *Portal) partnerStatus(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	status := leadrouter.PartnerStatus(r.PostFormValue("status"))
	if !status.Valid() {
		return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The status must be active or suspended.",
			Fields: []leadrouter.FieldError{{Field: "status", Message: "must be active or suspended"}}}
	}
	_, err := p.cfg.Admin.UpdatePartner(ctx, s.actor, r.PathValue("id"), leadrouter.PartnerUpdate{Status: &status})
	if err != nil {
		return err
	}
	p.partnersChanged()
	http.Redirect(w, r, "/portal/admin/partners?done=partner_updated", http.StatusSeeOther)
	return nil
}

type usersData struct {
	Users       []leadrouter.User
	Partners    map[string]string
	PartnerList []leadrouter.Partner
	Roles       []leadrouter.Role
	Form        map[string]string
}

func (p *Portal) usersPage(w http.ResponseWriter, r *http.Request, s *session, status int, form map[string]string, formErr error) error {
	ctx := r.Context()
	data := usersData{Partners: map[string]string{}, Roles: leadrouter.Roles, Form: form}
	users, err := p.cfg.Admin.Users(ctx, s.actor, "", 500, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	data.Users = users.Items
	partners, err := p.cfg.Admin.Partners(ctx, s.actor, 500, "")
	if err != nil {
		return err
	}
	data.PartnerList = partners.Items
	for _, pt := range partners.Items {
		data.Partners[pt.ID] = pt.Name
	}
	p.render(w, r, s, status, "admin_users", "Users", data, formErr)
	return nil
}

// adminUsers lists users with a create form.
func (p *Portal) adminUsers(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.usersPage(w, r, s, http.StatusOK, nil, nil)
}

// createUser creates a user who signs in to the portal with the password
// given (its API token is not shown here: it is for integrations).
func (p *Portal) createUser(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	form := map[string]string{}
	for _, k := range []string{"email", "name", "role", "partner_id"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	in := leadrouter.NewUser{Email: form["email"], Name: form["name"], Role: leadrouter.Role(form["role"]), PartnerID: form["partner_id"],
		Password: r.PostFormValue("password")}
	if in.Role != leadrouter.RolePartner {
		in.PartnerID = ""
	}
	_, _, err := p.cfg.Admin.CreateUser(ctx, s.actor, in)
	if err != nil {
		return p.usersPage(w, r, s, statusOf(err), form, err)
	}
	http.Redirect(w, r, "/portal/admin/users?done=user_created", http.StatusSeeOther)
	return nil
}

type routingData struct {
	Available bool
	Version   int64
	Source    string
	History   []policyVersionRow
	Lead      map[string]string
	Decision  *leadrouter.Decision
	// OwnerName and ReservedName name the decision's owner and the
	// partner the lead would be reserved for.
	OwnerName, ReservedName string
	Trace                   []map[string]any
}

// policyVersionRow is a policy version with its author's name.
type policyVersionRow struct {
	leadrouter.PolicyVersion
	By string
}

func (p *Portal) routingPage(w http.ResponseWriter, r *http.Request, s *session, status int, data routingData, formErr error) error {
	ctx := r.Context()
	data.Available = p.cfg.Router != nil
	if data.Available {
		_, version, src := p.cfg.Router.Policy()
		if data.Source == "" {
			data.Source = src
		}
		data.Version = version
	}
	history, err := p.cfg.Lookup.PolicyHistory(ctx, 20)
	if err != nil {
		return err
	}
	var users, partners []string
	for _, v := range history {
		users = append(users, v.CreatedBy)
	}
	if data.Decision != nil && data.Decision.ReservedPartnerID != "" {
		partners = append(partners, data.Decision.ReservedPartnerID)
	}
	names, err := p.cfg.Lookup.People(ctx, s.actor, partners, users)
	if err != nil {
		return err
	}
	for _, v := range history {
		data.History = append(data.History, policyVersionRow{PolicyVersion: v, By: names.Actor(v.CreatedBy)})
	}
	if data.Decision != nil {
		owners, err := p.cfg.Lookup.Owners(ctx, s.actor, data.Decision.Owner)
		if err != nil {
			return err
		}
		data.OwnerName = owners.Owner(data.Decision.Owner)
		data.ReservedName = names.Partner(data.Decision.ReservedPartnerID)
	}
	p.render(w, r, s, status, "routing", "Routing policy", data, formErr)
	return nil
}

// routing shows the policy in force, its history and the explain form.
func (p *Portal) routing(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.routingPage(w, r, s, http.StatusOK, routingData{Lead: map[string]string{"source": string(leadrouter.SourceWebForm)}}, nil)
}

// replacePolicy validates and stores a new policy version.
func (p *Portal) replacePolicy(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Router == nil {
		return leadrouter.Errorf(leadrouter.EINTERNAL, "routing is not mounted")
	}
	src := r.PostFormValue("policy")
	if _, err := p.cfg.Router.Replace(r.Context(), src, s.actor.UserID); err != nil {
		return p.routingPage(w, r, s, statusOf(err), routingData{Source: src, Lead: map[string]string{}}, err)
	}
	http.Redirect(w, r, "/portal/admin/routing?done=policy_saved", http.StatusSeeOther)
	return nil
}

// explain runs the policy on a lead that is not stored.
func (p *Portal) explain(w http.ResponseWriter, r *http.Request, s *session) error {
	if p.cfg.Router == nil {
		return leadrouter.Errorf(leadrouter.EINTERNAL, "routing is not mounted")
	}
	lead := map[string]string{}
	for _, k := range []string{"first_name", "last_name", "email", "company", "title", "country", "source", "pid", "company_size"} {
		lead[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	size, _ := strconv.Atoi(lead["company_size"])
	sub := intake.Submission{FirstName: lead["first_name"], LastName: lead["last_name"], Email: lead["email"], Company: lead["company"],
		Title: lead["title"], Country: lead["country"], Source: leadrouter.Source(lead["source"]), PID: lead["pid"], CompanySize: size}
	data := routingData{Lead: lead}
	dec, err := p.cfg.Router.Explain(r.Context(), sub, "")
	if err != nil {
		return p.routingPage(w, r, s, statusOf(err), data, err)
	}
	data.Decision = &dec
	if raw, err := json.Marshal(dec.Trace); err == nil {
		_ = json.Unmarshal(raw, &data.Trace)
	}
	return p.routingPage(w, r, s, http.StatusOK, data, nil)
}
