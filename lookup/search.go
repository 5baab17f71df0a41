package lookup

import (
	"context"
	"strings"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

// SearchResult is one record a search found, as its reader may see it.
type SearchResult struct {
	// Kind is lead, contact, account or registration.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Name is the person's name, or the company's for an account or a
	// registration.
	Name     string `json:"name"`
	Company  string `json:"company,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Country  string `json:"country,omitempty"`
	Status   string `json:"status,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
	// Owner is who works the record and how to reach them (staff only).
	Owner *OwnerContact `json:"owner,omitempty"`
	// Lead is the lead found (Kind lead), for the read log.
	Lead *leadrouter.Lead `json:"-"`
}

// OwnerContact names a record's owner and how the support desk reaches
// them: the owning user's e-mail, and for a partner its Partner Account
// Manager.
type OwnerContact struct {
	Name  string  `json:"name"`
	Email string  `json:"email,omitempty"`
	PAM   *Person `json:"pam,omitempty"`
}

// Person is someone to contact.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// SearchLimit is how many records of each kind a search returns at most.
const SearchLimit = 25

// Search finds leads, contacts, accounts and registrations by name,
// e-mail, company, phone or domain (the support desk's one box, W9), as
// actor may see them, each with its owner named and, for staff, how to
// reach the owner.
func (s *Service) Search(ctx context.Context, actor leadrouter.Actor, q string) ([]SearchResult, error) {
	terms := searchTerms(q)
	var out []SearchResult
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		hits, err := tx.Search(ctx, actor, terms, SearchLimit)
		if err != nil {
			return err
		}
		names := newNames(actor)
		var req request
		for _, l := range hits.Leads {
			req.owner(l.Owner)
		}
		for _, a := range hits.Accounts {
			if a.OwnerPartnerID != "" {
				req.partner(a.OwnerPartnerID)
			}
		}
		for _, r := range hits.Registrations {
			req.partner(r.PartnerID)
		}
		if err := names.load(ctx, tx, req); err != nil {
			return err
		}
		contacts := ownerContacts{tx: tx, actor: actor, names: names, users: map[string]leadrouter.User{}, partners: map[string]*Person{}}
		for i := range hits.Leads {
			l := &hits.Leads[i]
			r := SearchResult{Kind: "lead", ID: l.ID, Company: l.Company, Country: l.Country, Status: string(l.Status), Lead: l}
			if leadrouter.ContactVisibleTo(actor, *l) {
				r.Name, r.Email, r.Phone = strings.TrimSpace(l.FirstName+" "+l.LastName), l.Email, l.Phone
			} else {
				r.Redacted = true
			}
			if r.Owner, err = contacts.of(ctx, l.Owner); err != nil {
				return err
			}
			out = append(out, r)
		}
		for _, c := range hits.Contacts {
			out = append(out, SearchResult{Kind: "contact", ID: c.ID, Name: strings.TrimSpace(c.FirstName + " " + c.LastName), Email: c.Email, Phone: c.Phone})
		}
		for _, a := range hits.Accounts {
			r := SearchResult{Kind: "account", ID: a.ID, Name: a.Name, Company: a.Name, Country: a.Country}
			if a.OwnerPartnerID != "" {
				if r.Owner, err = contacts.of(ctx, leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: a.OwnerPartnerID, PartnerID: a.OwnerPartnerID}); err != nil {
					return err
				}
			}
			out = append(out, r)
		}
		for _, g := range hits.Registrations {
			r := SearchResult{Kind: "registration", ID: g.ID, Name: g.Company, Company: g.Company, Country: g.Country, Status: string(g.Status)}
			if r.Owner, err = contacts.of(ctx, leadrouter.Owner{Kind: leadrouter.OwnerPartner, ID: g.PartnerID, PartnerID: g.PartnerID}); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// searchTerms reads the box's text as a name or e-mail, a phone number
// and a domain.
func searchTerms(q string) store.SearchTerms {
	t := store.SearchTerms{Text: strings.ToLower(strings.TrimSpace(q))}
	if t.Text == "" {
		return t
	}
	t.Phone = leadrouter.PhoneE164(t.Text, "")
	if _, domain, ok := strings.Cut(t.Text, "@"); ok {
		t.Domain = domain
	} else if strings.Contains(t.Text, ".") && !strings.ContainsAny(t.Text, " /") {
		t.Domain = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(t.Text, "https://"), "http://"), "www.")
	}
	return t
}

// ownerContacts finds how to reach owners, each user and partner read
// once.
type ownerContacts struct {
	tx       *store.Tx
	actor    leadrouter.Actor
	names    *Names
	users    map[string]leadrouter.User
	partners map[string]*Person // partner id → its PAM (nil: none)
}

func (c *ownerContacts) of(ctx context.Context, o leadrouter.Owner) (*OwnerContact, error) {
	if o.Kind == "" {
		return nil, nil
	}
	out := &OwnerContact{Name: c.names.Owner(o)}
	if !c.actor.IsStaff() {
		return out, nil
	}
	if o.Kind == leadrouter.OwnerUser || (o.Kind == leadrouter.OwnerPartner && o.ID != o.PartnerID && o.ID != "") {
		u, err := c.user(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		out.Email = u.Email
	}
	if o.PartnerID != "" {
		pam, err := c.pam(ctx, o.PartnerID)
		if err != nil {
			return nil, err
		}
		out.PAM = pam
	}
	return out, nil
}

func (c *ownerContacts) user(ctx context.Context, id string) (leadrouter.User, error) {
	if u, ok := c.users[id]; ok {
		return u, nil
	}
	u, err := c.tx.User(ctx, c.actor, id)
	if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
		err = nil
	}
	c.users[id] = u
	return u, err
}

func (c *ownerContacts) pam(ctx context.Context, partnerID string) (*Person, error) {
	if p, ok := c.partners[partnerID]; ok {
		return p, nil
	}
	partner, err := c.tx.Partner(ctx, leadrouter.System, partnerID)
	if err != nil {
		if leadrouter.ErrorCode(err) == leadrouter.ENOTFOUND {
			err = nil
		}
		return nil, err
	}
	var out *Person
	if partner.PAMUserID != "" {
		u, err := c.user(ctx, partner.PAMUserID)
		if err != nil {
			return nil, err
		}
		if u.ID != "" {
			out = &Person{Name: u.Name, Email: u.Email}
		}
	}
	c.partners[partnerID] = out
	return out, nil
}

// OwnerContact names an owner for actor and, for staff, how to reach
// them (the lead page's owner).
func (s *Service) OwnerContact(ctx context.Context, actor leadrouter.Actor, o leadrouter.Owner) (*OwnerContact, error) {
	var out *OwnerContact
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		names := newNames(actor)
		var req request
		req.owner(o)
		if err := names.load(ctx, tx, req); err != nil {
			return err
		}
		c := ownerContacts{tx: tx, actor: actor, names: names, users: map[string]leadrouter.User{}, partners: map[string]*Person{}}
		var err error
		out, err = c.of(ctx, o)
		return err
	})
	return out, err
}

// PartnerUsers lists the users of a partner for staff (the support desk
// moving a lead among them); nothing for anyone else.
func (s *Service) PartnerUsers(ctx context.Context, actor leadrouter.Actor, partnerID string) ([]leadrouter.User, error) {
	if !actor.IsStaff() || partnerID == "" {
		return nil, nil
	}
	return view(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.User, error) { return tx.PartnerUsers(ctx, partnerID) })
}
