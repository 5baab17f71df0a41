package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/match"
	"github.com/leadrouter/leadrouter/routing"
	"github.com/leadrouter/leadrouter/store"
)

// RouteInput is what the router needs to know about a lead beyond its
// fields: what it matched.
type RouteInput struct {
	Lead                  *leadrouter.Lead
	AccountID             string
	AccountOwnerPartnerID string
	// Exclude lists partners that must not get the lead.
	Exclude []string
	// ExcludeReasons says, by partner id, why it is excluded (the routing
	// trace shows it); a partner without one gave the lead up.
	ExcludeReasons map[string]string
}

// Router decides owner, reservation, nurture track and score inside the
// capture transaction (durable round robin lives in the database).
type Router interface {
	Route(ctx context.Context, tx *store.Tx, in RouteInput) (leadrouter.Decision, error)
	// Rescore recomputes score and track of an existing lead after a new
	// response; it reports whether the lead crossed the MQL threshold.
	Rescore(ctx context.Context, tx *store.Tx, lead *leadrouter.Lead) (score int, mql bool, err error)
}

// Result is the outcome of one capture.
type Result struct {
	// Lead is the new lead, or the lead the submission was merged into: the
	// open lead with its e-mail, or the converted lead of the contact with
	// its e-mail (empty only for a contact that came from no lead).
	Lead          leadrouter.Lead
	Decision      *leadrouter.Decision
	DuplicateOf   string // the open lead or contact the submission was merged into
	DuplicateKind string // "lead" or "contact"
	Created       bool
	Ignored       bool // a honeypot hit: answered as accepted, nothing stored
}

// Service captures leads.
type Service struct {
	DB          *store.DB
	Writer      *Writer
	Router      Router
	Attribution string
	// Partners resolves a PID to an active partner id.
	Partners func(pid string) (partnerID string, ok bool)
	// Assignments opens the partner's assignment of a lead routed to a
	// partner (nil: none is opened).
	Assignments Assignments
	// Conflicts decides between partners claiming one lead (nil: routing
	// alone decides).
	Conflicts Conflicts
}

// Conflicts is what capture needs of channel conflicts: the partners'
// claims read before the writer, the decision in it, the record after.
type Conflicts interface {
	Claims(ctx context.Context, tx *store.Tx, lead leadrouter.Lead, accountOwnerPartnerID string) ([]leadrouter.Claim, error)
	Decide(lead *leadrouter.Lead, claims []leadrouter.Claim, now time.Time) *leadrouter.Conflict
	Open(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, c *leadrouter.Conflict) error
}

// Assignments is what capture needs of the assignment workflow.
type Assignments interface {
	LeadRouted(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, lead leadrouter.Lead, rule string) error
}

// Capture validates, attributes, matches and routes a submission and stores
// it as a new lead, or as a response on the open lead or contact with the
// same e-mail, in the group-commit writer's transaction. render, if given,
// runs inside that transaction with the result (to store an idempotent
// response in the same commit).
func (s *Service) Capture(ctx context.Context, actor leadrouter.Actor, sub Submission, idem *Idempotency) (Result, error) {
	p, err := s.Prepare(ctx, sub)
	if err != nil {
		return Result{}, err
	}
	return s.Submit(ctx, actor, p, idem)()
}

// Prepared is a validated submission with its facts, ready for the writer.
type Prepared struct {
	sub       Submission
	phoneE164 string
	facts     Facts
}

// Prepare validates a submission and gathers its facts (attribution, the
// account match, the partners' claims) before the writer: the part of a
// capture that may run in parallel with others. The reads need no
// snapshot (the writer decides on them in its transaction, as it would on
// facts a moment older), so on PostgreSQL they run without a
// transaction's BEGIN and COMMIT round trips (store.DB.Read).
func (s *Service) Prepare(ctx context.Context, sub Submission) (Prepared, error) {
	phoneE164, err := sub.Validate()
	if err != nil {
		return Prepared{}, err
	}
	p := Prepared{sub: sub, phoneE164: phoneE164}
	err = s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if p.facts, err = GatherFacts(ctx, tx, sub, tx.Now(), s.attribution(), s.Partners); err != nil || s.Conflicts == nil {
			return err
		}
		stub := leadrouter.Lead{Email: sub.Email, Company: sub.Company, AccountID: p.facts.AccountID, CreditedPartnerID: p.facts.CreditedPartnerID}
		p.facts.Claims, err = s.Conflicts.Claims(ctx, tx, stub, p.facts.AccountOwner)
		return err
	})
	return p, err
}

// Submit hands a prepared submission to the group-commit writer and
// returns at once; the function it returns waits for the commit and gives
// the result. Submissions handed over one after another run in that order
// (an import keeps its file's order so).
func (s *Service) Submit(ctx context.Context, actor leadrouter.Actor, p Prepared, idem *Idempotency) func() (Result, error) {
	var res Result
	wait := s.Writer.Submit(ctx, p.sub.Email, func(tx *store.Tx) error {
		res = Result{}
		if idem != nil {
			prev, err := tx.ClaimIdempotencyKey(ctx, idem.UserID, idem.Key, idem.RequestHash)
			if err != nil {
				return err
			}
			if prev != nil {
				if prev.RequestHash != idem.RequestHash {
					return leadrouter.Errorf(leadrouter.ECONFLICT, "The Idempotency-Key was used for a different request.")
				}
				idem.Replayed = prev
				return nil
			}
		}
		if err := s.capture(ctx, tx, actor, p.sub, p.phoneE164, p.facts, &res); err != nil {
			return err
		}
		if idem != nil && idem.Render != nil {
			status, body := idem.Render(res)
			return tx.SaveIdempotentResponse(ctx, idem.UserID, idem.Key, status, body)
		}
		return nil
	})
	return func() (Result, error) {
		err := wait()
		return res, err
	}
}

// Idempotency carries an Idempotency-Key through a capture.
type Idempotency struct {
	UserID      string
	Key         string
	RequestHash string
	Render      func(Result) (status int, body []byte)
	// Replayed is set when the key was used before: the stored answer.
	Replayed *store.StoredResponse
}

// Facts are what capture learns about a submission from what is already
// stored: who gets the credit and why, and the account it matched. They are
// gathered in a read transaction before the lead joins the group-commit
// writer, so these reads run in parallel rather than in the one writer.
type Facts struct {
	Touches           []leadrouter.Touch
	CreditedPartnerID string
	CreditedPID       string
	AttributionModel  string
	AccountID         string
	MatchReason       string
	AccountOwner      string
	// SelfReferralPartnerID is the partner a self-referral named (its own
	// domain or user): credited to no one and never routed to it either.
	SelfReferralPartnerID string
	// SelfReferralReason says why the submission is a self-referral.
	SelfReferralReason string
	// Claims are the partners' claims on the lead (channel conflicts).
	Claims []leadrouter.Claim
	events []pendingEvent
}

// RouteExclusions are the partners routing must pass over for this
// submission, with why: the crediting partner of a self-referral, so that
// a partner never receives its own self-referral by routing either.
func (f Facts) RouteExclusions() ([]string, map[string]string) {
	if f.SelfReferralPartnerID == "" {
		return nil, nil
	}
	return []string{f.SelfReferralPartnerID}, map[string]string{f.SelfReferralPartnerID: "self-referral: " + f.SelfReferralReason}
}

// GatherFacts attributes a submission (cookie touches, typed code,
// staff-given PID, or an event's hosting partner; unknown, suspended and
// self-referring partners get no credit, with the reason on the timeline)
// and matches its account. resolve maps a PID to an active partner id (nil:
// ask the database).
func GatherFacts(ctx context.Context, tx *store.Tx, sub Submission, now time.Time, model string, resolve func(string) (string, bool)) (Facts, error) {
	f := Facts{AttributionModel: model}
	f.Touches = sub.allTouches(now)
	for _, t := range f.Touches {
		f.events = append(f.events, pendingEvent{leadrouter.EventTouch, map[string]any{"pid": t.PID, "at": t.At.UTC().Format(time.RFC3339), "landing": t.Landing, "kind": t.Kind}})
	}
	if resolve == nil {
		resolve = func(pid string) (string, bool) {
			p, err := tx.PartnerByPID(ctx, pid)
			if err != nil || p.Status != leadrouter.PartnerActive {
				return "", false
			}
			return p.ID, true
		}
	}
	if sub.EventPartner != "" {
		p, err := tx.Partner(ctx, leadrouter.System, sub.EventPartner)
		if err == nil && p.Status == leadrouter.PartnerActive {
			f.CreditedPartnerID, f.CreditedPID, f.AttributionModel = p.ID, string(p.PID), "event_host"
		}
	}
	if f.CreditedPartnerID == "" {
		if t, ok := creditedTouch(f.Touches, model); ok && sub.Source == leadrouter.SourceWebinar {
			// One rule for the API and CSV import alike: a hosted webinar
			// platform cannot carry a PID, so a webinar lead is credited
			// to no one, whatever PID comes with it.
			f.events = append(f.events, pendingEvent{leadrouter.EventSelfReferral, map[string]any{"pid": t.PID,
				"reason": "webinar leads are credited to no partner (a hosted webinar platform cannot carry a PID; partner-hosted events use event forms)"}})
		} else if ok {
			if id, ok := resolve(t.PID); ok {
				f.CreditedPartnerID, f.CreditedPID = id, t.PID
			} else {
				f.events = append(f.events, pendingEvent{leadrouter.EventSelfReferral, map[string]any{"pid": t.PID, "reason": "the PID is unknown or the partner is suspended: no credit"}})
			}
		}
	}
	if f.CreditedPartnerID != "" && sub.Email != "" {
		self, why, err := tx.PartnerOwnsDomainOrUser(ctx, f.CreditedPartnerID, sub.Email)
		if err != nil {
			return f, err
		}
		if self {
			f.events = append(f.events, pendingEvent{leadrouter.EventSelfReferral, map[string]any{"pid": f.CreditedPID, "partner_id": f.CreditedPartnerID,
				"reason": "self-referral: " + why + "; the lead is credited to no one and not routed to that partner"}})
			f.SelfReferralPartnerID, f.SelfReferralReason = f.CreditedPartnerID, why
			f.CreditedPartnerID, f.CreditedPID = "", ""
		}
	}
	// Matching: the account by e-mail domain (subdomains included; never
	// free-mail) or by normalised company name, and who owns its hierarchy.
	m, ok, err := match.Account(ctx, tx, sub.Email, sub.Company)
	if err != nil {
		return f, err
	}
	if ok {
		f.AccountID, f.MatchReason, f.AccountOwner = m.ID, m.By, m.OwnerPartnerID
		f.events = append(f.events, pendingEvent{leadrouter.EventMatched, map[string]any{"kind": "account", "id": f.AccountID, "reason": f.MatchReason, "owner_partner_id": f.AccountOwner}})
	}
	return f, nil
}

func (s *Service) capture(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, sub Submission, phoneE164 string, f Facts, res *Result) error {
	now := tx.Now()
	// Duplicates: an open lead or a contact with this e-mail gets a response.
	if sub.Email != "" {
		if tx.PendingOpenLead(sub.Email) {
			// The same person twice in one batch: this one becomes a
			// response once the first has committed.
			return fmt.Errorf("%w: %s", store.ErrOpenLeadExists, "the same e-mail earlier in this batch")
		}
		existing, err := tx.OpenLeadByEmail(ctx, sub.Email)
		if err == nil {
			return s.recordResponse(ctx, tx, actor, sub, existing, "", res)
		} else if leadrouter.ErrorCode(err) != leadrouter.ENOTFOUND {
			return err
		}
		if contactID, err := tx.ContactIDForEmail(ctx, sub.Email); err != nil {
			return err
		} else if contactID != "" {
			return s.recordContactResponse(ctx, tx, actor, sub, contactID, res)
		}
	}

	lead := leadrouter.Lead{
		ID: leadrouter.NewID("lead"), Status: leadrouter.StatusNew, FirstName: sub.FirstName, LastName: sub.LastName, Email: sub.Email,
		Phone: sub.Phone, PhoneE164: phoneE164, Company: sub.Company, CompanySize: sub.CompanySize, Title: sub.Title, Country: sub.Country,
		Source: sub.Source, FormSlug: sub.FormSlug, FormKind: sub.FormKind, Campaign: sub.Campaign, UTM: sub.UTM, LandingURL: sub.LandingURL,
		AttributionModel: f.AttributionModel, Responses: 1, CreatedAt: now, Touches: f.Touches,
		CreditedPartnerID: f.CreditedPartnerID, CreditedPID: f.CreditedPID, AccountID: f.AccountID,
	}
	events := f.events
	accountID, ownerPartner := f.AccountID, f.AccountOwner

	// Routing.
	exclude, excludeReasons := f.RouteExclusions()
	dec, err := s.Router.Route(ctx, tx, RouteInput{Lead: &lead, AccountID: accountID, AccountOwnerPartnerID: ownerPartner,
		Exclude: exclude, ExcludeReasons: excludeReasons})
	if err != nil {
		return fmt.Errorf("route lead: %w", err)
	}
	lead.Owner, lead.ReservedPartnerID, lead.RoutedRule = dec.Owner, dec.ReservedPartnerID, dec.Rule
	lead.NurtureTrack, lead.Score = dec.NurtureTrack, dec.Score
	lead.Status = leadrouter.StatusNurturing
	if dec.MQL {
		lead.Status = leadrouter.StatusMQL
	}
	if sub.ConsentShare != nil {
		lead.Consent = leadrouter.Consent{Share: *sub.ConsentShare, At: &now, Text: sub.ConsentText, Source: consentSource(sub)}
	}
	var conflict *leadrouter.Conflict
	if s.Conflicts != nil {
		// More than one partner with a claim: the policy's precedence
		// names the owner, which may not be routing's choice.
		if conflict = s.Conflicts.Decide(&lead, f.Claims, now); conflict != nil {
			dec.Owner, dec.ReservedPartnerID, dec.Rule = lead.Owner, lead.ReservedPartnerID, lead.RoutedRule
		}
	}
	if err := tx.InsertLead(ctx, &lead); err != nil {
		return err
	}
	if sub.ConsentShare != nil {
		if err := tx.InsertConsent(ctx, lead.ID, *sub.ConsentShare, sub.ConsentText, consentSource(sub), sub.IP, actor.Label()); err != nil {
			return err
		}
	}

	// The timeline, in the order things happened, appended at once.
	timeline := make([]store.NewEvent, 0, len(events)+5)
	for _, e := range events {
		timeline = append(timeline, store.NewEvent{Type: e.typ, Data: e.data})
	}
	fill := responseData(sub)
	fill["source"] = lead.Source
	fill["campaign"] = lead.Campaign
	fill["utm"] = lead.UTM
	fill["landing_url"] = lead.LandingURL
	fill["credited_pid"] = lead.CreditedPID
	fill["attribution_model"] = lead.AttributionModel
	// Compact events: lead_created keeps nothing the lead row holds, the
	// decision is stored as codes (lookup renders both as they were);
	// subscribers get the fields as before.
	timeline = append(timeline,
		store.NewEvent{Type: leadrouter.EventCreated, Data: leadrouter.CreatedEventStored(lead), Published: fill},
		store.NewEvent{Type: leadrouter.EventRouted, Data: RoutedEventData(dec),
			Published: map[string]any{"rule": dec.Rule, "owner": dec.Owner, "reserved_partner_id": dec.ReservedPartnerID, "trace": dec.Trace}},
		store.NewEvent{Type: leadrouter.EventNurture, Data: map[string]any{"track": dec.NurtureTrack, "score": dec.Score}})
	if sub.ConsentShare != nil {
		timeline = append(timeline, store.NewEvent{Type: leadrouter.EventConsent, Data: map[string]any{"share": *sub.ConsentShare, "text": sub.ConsentText, "source": consentSource(sub), "ip": sub.IP}})
	}
	if dec.MQL {
		timeline = append(timeline, store.NewEvent{Type: leadrouter.EventStatus, Data: map[string]any{"from": leadrouter.StatusNurturing, "to": leadrouter.StatusMQL, "reason": "score reached the MQL threshold"}})
	}
	if _, err := tx.AppendEvents(ctx, lead.ID, actor, timeline...); err != nil {
		return err
	}
	if s.Assignments != nil {
		if err := s.Assignments.LeadRouted(ctx, tx, actor, lead, dec.Rule); err != nil {
			return err
		}
	}
	if conflict != nil {
		if err := s.Conflicts.Open(ctx, tx, actor, conflict); err != nil {
			return err
		}
	}
	res.Lead, res.Decision, res.Created = lead, &dec, true
	return nil
}

// recordContactResponse merges a submission from a person who is a
// contact already (a lead that converted): the response goes on the
// contact's timeline and on the timeline of the lead the contact was
// converted from (contacts keep their lead id), where the support desk
// sees it and its engagement is counted like any response; that lead's
// status and owner stay as they are. The result carries that lead, with
// the contact as DuplicateOf (kind "contact").
func (s *Service) recordContactResponse(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, sub Submission, contactID string, res *Result) error {
	contact, err := tx.Contact(ctx, contactID)
	if err != nil {
		return err
	}
	data := responseData(sub)
	if contact.LeadID != "" {
		data["lead_id"] = contact.LeadID
	}
	if err := tx.LeadEvent(ctx, contactID, leadrouter.EventResponse, actor, data); err != nil {
		return err
	}
	if contact.LeadID == "" {
		// A contact that came from no lead: nothing else to show or count.
		res.DuplicateOf, res.DuplicateKind = contactID, "contact"
		return nil
	}
	lead, err := tx.LeadForUpdate(ctx, leadrouter.System, contact.LeadID)
	if err != nil {
		return err
	}
	return s.recordResponse(ctx, tx, actor, sub, lead, contactID, res)
}

// recordResponse merges a submission into an existing lead: the open lead
// with its e-mail, or (contactID set) the converted lead of the contact
// with its e-mail. One more response on the timeline, engagement counted,
// owner unchanged; only a new or nurturing lead moves to mql.
func (s *Service) recordResponse(ctx context.Context, tx *store.Tx, actor leadrouter.Actor, sub Submission, existing leadrouter.Lead, contactID string, res *Result) error {
	existing.Responses++
	data := responseData(sub)
	data["responses"] = existing.Responses
	if contactID != "" {
		data["contact_id"] = contactID
		data["duplicate_kind"] = "contact"
	}
	if err := tx.LeadEvent(ctx, existing.ID, leadrouter.EventResponse, actor, data); err != nil {
		return err
	}
	// The lead's form kind is what its scoring sees: a later demo request
	// counts as one (the timeline keeps every response's own kind).
	if sub.FormKind != "" && (existing.FormKind == "" || sub.FormKind == leadrouter.FormDemoRequest) {
		existing.FormKind = sub.FormKind
	}
	oldScore, oldStatus := existing.Score, existing.Status
	score, mql, err := s.Router.Rescore(ctx, tx, &existing)
	if err != nil {
		return err
	}
	existing.Score = score
	if mql && (oldStatus == leadrouter.StatusNew || oldStatus == leadrouter.StatusNurturing) {
		existing.Status = leadrouter.StatusMQL
	}
	if err := tx.UpdateLead(ctx, &existing); err != nil {
		return err
	}
	if score != oldScore {
		if err := tx.LeadEvent(ctx, existing.ID, leadrouter.EventScored, actor, map[string]any{"from": oldScore, "to": score}); err != nil {
			return err
		}
	}
	if existing.Status != oldStatus {
		if err := tx.LeadEvent(ctx, existing.ID, leadrouter.EventStatus, actor, map[string]any{"from": oldStatus, "to": existing.Status, "reason": "score reached the MQL threshold"}); err != nil {
			return err
		}
	}
	res.Lead, res.DuplicateOf, res.DuplicateKind = existing, existing.ID, "lead"
	if contactID != "" {
		res.DuplicateOf, res.DuplicateKind = contactID, "contact"
	}
	return nil
}

// RoutedEventData is a routing decision as the routed event stores it:
// the rule, owner and reserved partner, the policy version, and the trace
// as codes (routing.StoreTrace) under "steps"; lookup renders the words.
func RoutedEventData(dec leadrouter.Decision) map[string]any {
	return map[string]any{"rule": dec.Rule, "owner": dec.Owner, "reserved_partner_id": dec.ReservedPartnerID,
		"policy_version": dec.PolicyVersion, "steps": routing.StoreTrace(dec.Trace)}
}

type pendingEvent struct {
	typ  string
	data map[string]any
}

func responseData(sub Submission) map[string]any {
	d := map[string]any{"first_name": sub.FirstName, "last_name": sub.LastName, "email": sub.Email, "phone": sub.Phone,
		"company": sub.Company, "country": sub.Country, "source": sub.Source}
	if sub.FormSlug != "" {
		d["form"] = sub.FormSlug
		d["form_kind"] = sub.FormKind
	}
	return d
}

func consentSource(sub Submission) string {
	if sub.FormSlug != "" {
		return "form:" + sub.FormSlug
	}
	return string(sub.Source)
}

func (s *Service) attribution() string {
	if s.Attribution == FirstTouch {
		return FirstTouch
	}
	return LastTouch
}
