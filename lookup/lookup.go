// Package lookup holds the read use cases the API and the portal share:
// each opens one read transaction, applies the store's visibility rules for
// the viewer and hands back records with the names people know their
// owners and actors by. Surfaces render; they never open transactions.
package lookup

import (
	"context"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/store"
)

// Service runs the reads.
type Service struct {
	DB *store.DB
}

// New returns the read use cases over db.
func New(db *store.DB) *Service { return &Service{DB: db} }

func view[T any](ctx context.Context, db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// Leads lists the leads actor may see, with their owners' names.
func (s *Service) Leads(ctx context.Context, actor leadrouter.Actor, f leadrouter.LeadFilter) (store.Page[leadrouter.Lead], *Names, error) {
	names := newNames(actor)
	page, err := view(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.Lead], error) {
		page, err := tx.Leads(ctx, actor, f)
		if err != nil {
			return page, err
		}
		var q request
		for _, l := range page.Items {
			q.owner(l.Owner)
		}
		return page, names.load(ctx, tx, q)
	})
	return page, names, err
}

// Lead reads one lead actor may see (404 otherwise), with its owner's name.
func (s *Service) Lead(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Lead, *Names, error) {
	names := newNames(actor)
	l, err := view(ctx, s.DB, func(tx *store.Tx) (leadrouter.Lead, error) {
		l, err := tx.Lead(ctx, actor, id)
		if err != nil {
			return l, err
		}
		var q request
		q.owner(l.Owner)
		return l, names.load(ctx, tx, q)
	})
	return l, names, err
}

// Owners names the given owners for actor (a lead just changed, the
// candidates of a match).
func (s *Service) Owners(ctx context.Context, actor leadrouter.Actor, owners ...leadrouter.Owner) (*Names, error) {
	names := newNames(actor)
	var q request
	for _, o := range owners {
		q.owner(o)
	}
	err := s.DB.View(ctx, func(tx *store.Tx) error { return names.load(ctx, tx, q) })
	return names, err
}

// People names partners and users by id, as actor may see them.
func (s *Service) People(ctx context.Context, actor leadrouter.Actor, partnerIDs, userIDs []string) (*Names, error) {
	names := newNames(actor)
	var q request
	for _, id := range partnerIDs {
		q.partner(id)
	}
	for _, id := range userIDs {
		q.user(id)
	}
	err := s.DB.View(ctx, func(tx *store.Tx) error { return names.load(ctx, tx, q) })
	return names, err
}

// Timeline is a lead with its events and the names of everyone on them.
type Timeline struct {
	Lead   leadrouter.Lead
	Events []leadrouter.Event
	Names  *Names
}

// Timeline reads a lead actor may see and its timeline, naming its owner,
// every actor and every owner the events name.
func (s *Service) Timeline(ctx context.Context, actor leadrouter.Actor, id string) (Timeline, error) {
	t := Timeline{Names: newNames(actor)}
	err := s.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if t.Lead, err = tx.Lead(ctx, actor, id); err != nil {
			return err
		}
		if t.Events, err = tx.Timeline(ctx, t.Lead.ID); err != nil {
			return err
		}
		if err := expandEvents(ctx, tx, t.Lead, t.Events); err != nil {
			return err
		}
		var q request
		q.owner(t.Lead.Owner)
		q.events(t.Events)
		return t.Names.load(ctx, tx, q)
	})
	return t, err
}

// Consents reads a lead actor may see and its consent records.
func (s *Service) Consents(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Lead, []leadrouter.ConsentRecord, error) {
	var items []leadrouter.ConsentRecord
	l, err := view(ctx, s.DB, func(tx *store.Tx) (leadrouter.Lead, error) {
		l, err := tx.Lead(ctx, actor, id)
		if err != nil {
			return l, err
		}
		items, err = tx.Consents(ctx, l.ID)
		return l, err
	})
	return l, items, err
}

// ContactReads is a page of a lead's read log (who saw its contact
// details), the lead being one actor may see.
func (s *Service) ContactReads(ctx context.Context, actor leadrouter.Actor, leadID string, limit int, cursor string) (store.Page[store.ContactRead], error) {
	return view(ctx, s.DB, func(tx *store.Tx) (store.Page[store.ContactRead], error) {
		l, err := tx.Lead(ctx, actor, leadID)
		if err != nil {
			return store.Page[store.ContactRead]{}, err
		}
		return tx.ContactReadsOfLead(ctx, l.ID, limit, cursor)
	})
}

// ReassignmentRequests is a page of reassignment requests in a status (""
// for all), each with its lead and partner names: the admins' whole queue,
// the support desk the requests it filed itself.
func (s *Service) ReassignmentRequests(ctx context.Context, actor leadrouter.Actor, status leadrouter.ReassignmentStatus, limit int, cursor string) (store.Page[leadrouter.ReassignmentQueueItem], error) {
	var by string
	switch {
	case actor.Is(leadrouter.RoleAdmin):
	case actor.Is(leadrouter.RoleSupport):
		by = actor.Label()
	default:
		return store.Page[leadrouter.ReassignmentQueueItem]{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Your role (%s) may not list reassignment requests.", actor.Role)
	}
	return view(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.ReassignmentQueueItem], error) {
		return tx.ReassignmentRequests(ctx, status, by, limit, cursor)
	})
}

// Opportunities is a page of the opportunities actor may see, each with
// its lead (read as the system: the caller's view redacts it) and the
// names of their reserved partners.
func (s *Service) Opportunities(ctx context.Context, actor leadrouter.Actor, f store.OpportunityFilter) (store.Page[leadrouter.Opportunity], map[string]leadrouter.Lead, *Names, error) {
	leads := map[string]leadrouter.Lead{}
	names := newNames(actor)
	page, err := view(ctx, s.DB, func(tx *store.Tx) (store.Page[leadrouter.Opportunity], error) {
		page, err := tx.Opportunities(ctx, actor, f)
		if err != nil {
			return page, err
		}
		// Their leads in one statement.
		ids := make([]string, 0, len(page.Items))
		for _, o := range page.Items {
			ids = append(ids, o.LeadID)
		}
		byID, err := tx.LeadsByID(ctx, leadrouter.System, ids)
		if err != nil {
			return page, err
		}
		var q request
		for _, o := range page.Items {
			l, ok := byID[o.LeadID]
			if !ok {
				return page, leadrouter.Errorf(leadrouter.ENOTFOUND, "Lead not found.")
			}
			leads[o.ID] = l
			if o.ReservedPartnerID != "" {
				q.partner(o.ReservedPartnerID)
			}
			if o.PartnerID != "" {
				q.partner(o.PartnerID)
			}
		}
		return page, names.load(ctx, tx, q)
	})
	return page, leads, names, err
}

// Opportunity reads one opportunity actor may see and its lead (read as
// the system: the caller's view redacts it).
func (s *Service) Opportunity(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Opportunity, leadrouter.Lead, error) {
	var l leadrouter.Lead
	o, err := view(ctx, s.DB, func(tx *store.Tx) (leadrouter.Opportunity, error) {
		o, err := tx.Opportunity(ctx, actor, id)
		if err != nil {
			return o, err
		}
		l, err = tx.Lead(ctx, leadrouter.System, o.LeadID)
		return o, err
	})
	return o, l, err
}

// PartnerStats is a partner's dashboard figures by month: admins see any
// partner's, a PAM its partners', a partner user its own partner's
// (ENOTFOUND otherwise); other roles get EFORBIDDEN.
func (s *Service) PartnerStats(ctx context.Context, actor leadrouter.Actor, partnerID string, months int) (store.PartnerStats, error) {
	if err := actor.Require(leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RolePartner); err != nil {
		return store.PartnerStats{}, err
	}
	return view(ctx, s.DB, func(tx *store.Tx) (store.PartnerStats, error) {
		return tx.PartnerStats(ctx, actor, partnerID, months)
	})
}

// Dashboard is a partner's activity since a month: clicks per day, and
// attributed leads and hand-offs per month ("2006-01").
type Dashboard struct {
	Partner   leadrouter.Partner
	Clicks    []store.DayCount
	Leads     map[string]int64
	HandedOff map[string]int64
}

// Dashboard reads a partner user's own dashboard figures since since.
func (s *Service) Dashboard(ctx context.Context, actor leadrouter.Actor, since time.Time) (Dashboard, error) {
	if !actor.IsPartner() {
		return Dashboard{}, leadrouter.Errorf(leadrouter.EFORBIDDEN, "The dashboard is for partner users.")
	}
	return view(ctx, s.DB, func(tx *store.Tx) (Dashboard, error) {
		var d Dashboard
		var err error
		if d.Partner, err = tx.Partner(ctx, actor, actor.PartnerID); err != nil {
			return d, err
		}
		if d.Clicks, err = tx.Clicks(ctx, actor.PartnerID, since); err != nil {
			return d, err
		}
		if d.Leads, err = tx.LeadCountSince(ctx, actor.PartnerID, since); err != nil {
			return d, err
		}
		d.HandedOff, err = tx.HandoffCountSince(ctx, actor.PartnerID, since)
		return d, err
	})
}

// PolicyHistory lists the latest routing policy versions, newest first.
func (s *Service) PolicyHistory(ctx context.Context, limit int) ([]leadrouter.PolicyVersion, error) {
	return view(ctx, s.DB, func(tx *store.Tx) ([]leadrouter.PolicyVersion, error) {
		return tx.PolicyHistory(ctx, limit)
	})
}

// Matches finds who already works with a person or company (GET /matches
// and the support desk's duplicate check), best first, and names their
// owners as actor may see them (names.Owner(MatchOwner(m))).
func (s *Service) Matches(ctx context.Context, actor leadrouter.Actor, email, company, domain string) ([]match.Result, *Names, error) {
	var out []match.Result
	names := newNames(actor)
	// No snapshot needed: on PostgreSQL the statements run without a
	// transaction's two extra round trips, the owners' names with them.
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = match.Lookup(ctx, tx, email, company, domain, time.Now()); err != nil {
			return err
		}
		var q request
		for _, m := range out {
			q.owner(MatchOwner(m))
		}
		return names.load(ctx, tx, q)
	})
	return out, names, err
}

// MatchOwner is the owner of a match ("partner:ptr_…", "user:usr_…",
// "queue:inside-sales"); the zero Owner when it has none.
func MatchOwner(m match.Result) leadrouter.Owner {
	kind, id, ok := strings.Cut(m.Owner, ":")
	if !ok {
		return leadrouter.Owner{}
	}
	o := leadrouter.Owner{Kind: leadrouter.OwnerKind(kind), ID: id}
	if o.Kind == leadrouter.OwnerPartner {
		o.PartnerID = id
	}
	return o
}
