package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// ErrOpenLeadExists marks an insert that lost a race with another
// transaction storing an open lead with the same e-mail: retried, the
// submission becomes a response on that lead.
var ErrOpenLeadExists = errors.New("an open lead with this e-mail was stored concurrently")

// insertLeads is the INSERT of leads rows, up to VALUES.
const insertLeads = `INSERT INTO leads (id, status, first_name, last_name, email, email_domain, phone, phone_e164, company, company_key,
	company_size, title, country, source, form_slug, form_kind, campaign, utm, landing_url, touches, credited_pid, credited_partner_id,
	attribution_model, reserved_partner_id, owner_kind, owner_id, owner_partner_id, handoff_partner_id, account_id, consent_share, consent_at,
	consent_wording, score, nurture_track, responses, routed_rule, created_at, updated_at) VALUES `

func openLeadExists(email string) error {
	return fmt.Errorf("%w: %w", ErrOpenLeadExists, leadrouter.Errorf(leadrouter.ECONFLICT, "An open lead with e-mail %s exists already.", email))
}

// leadsByEmail are the two statements selecting cols of the leads with
// an e-mail (one argument each): the open lead through leads_open_email
// and the closed ones through leads_closed_email (migration 0024), each
// with the condition of its partial index.
func leadsByEmail(cols string) [2]string {
	return [2]string{
		`SELECT ` + cols + ` FROM leads WHERE email = ? AND email <> '' AND status NOT IN ('converted', 'disqualified')`,
		`SELECT ` + cols + ` FROM leads WHERE email = ? AND status IN ('converted', 'disqualified')`,
	}
}

// leadColumns is the one list of lead columns, in scanLead's order.
var leadColumns = `id, status, first_name, last_name, email, phone, phone_e164, company, COALESCE(company_size, 0), title, country,
	source, form_slug, form_kind, campaign, utm, landing_url, touches, credited_pid, COALESCE(credited_partner_id, ''), attribution_model,
	COALESCE(reserved_partner_id, ''), owner_kind, owner_id, COALESCE(owner_partner_id, ''), COALESCE(handoff_partner_id, ''),
	COALESCE(account_id, ''), consent_share, consent_at, ` + wordingText("leads.consent_wording") + `, score, nurture_track, responses, routed_rule,
	created_at, updated_at`

func scanLead(s interface{ Scan(...any) error }) (leadrouter.Lead, error) {
	var l leadrouter.Lead
	var utm, touches string
	var consentAt nullTime
	var created, updated dbTime
	err := s.Scan(&l.ID, &l.Status, &l.FirstName, &l.LastName, &l.Email, &l.Phone, &l.PhoneE164, &l.Company, &l.CompanySize, &l.Title, &l.Country,
		&l.Source, &l.FormSlug, &l.FormKind, &l.Campaign, &utm, &l.LandingURL, &touches, &l.CreditedPID, &l.CreditedPartnerID, &l.AttributionModel,
		&l.ReservedPartnerID, &l.Owner.Kind, &l.Owner.ID, &l.Owner.PartnerID, &l.HandoffPartnerID,
		&l.AccountID, &l.Consent.Share, &consentAt, &l.Consent.Text, &l.Score, &l.NurtureTrack, &l.Responses, &l.RoutedRule, &created, &updated)
	if err != nil {
		return l, err
	}
	l.Consent.At = consentAt.t
	l.CreatedAt, l.UpdatedAt = time.Time(created), time.Time(updated)
	_ = json.Unmarshal([]byte(utm), &l.UTM)
	_ = json.Unmarshal([]byte(touches), &l.Touches)
	if l.Touches == nil {
		l.Touches = []leadrouter.Touch{}
	}
	return l, nil
}

// leadVisibility is the SQL form of leadrouter.LeadVisibleTo: the condition
// every partner-reachable lead query carries.
func leadVisibility(actor leadrouter.Actor) (string, []any) {
	switch {
	case actor.IsStaff():
		return "1 = 1", nil
	case actor.IsPartner() && actor.PartnerID != "":
		return "(owner_partner_id = ? OR reserved_partner_id = ? OR handoff_partner_id = ?)", []any{actor.PartnerID, actor.PartnerID, actor.PartnerID}
	}
	return "1 = 0", nil
}

// InsertLead stores a new lead as given (the capture workflow has already
// validated, matched and routed it) and indexes its company name.
func (tx *Tx) InsertLead(ctx context.Context, l *leadrouter.Lead) error {
	if l.ID == "" {
		l.ID = leadrouter.NewID("lead")
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = tx.now
	}
	l.UpdatedAt = tx.now
	utm, _ := json.Marshal(l.UTM)
	if l.UTM == nil {
		utm = []byte("{}")
	}
	if l.Touches == nil {
		l.Touches = []leadrouter.Touch{}
	}
	touches, _ := json.Marshal(l.Touches)
	consentAt := tx.timeArgPtr(l.Consent.At)
	wording, err := tx.wordingID(ctx, l.Consent.Text)
	if err != nil {
		return err
	}
	row := []any{l.ID, l.Status, l.FirstName, l.LastName, l.Email, emailDomain(l.Email), l.Phone, l.PhoneE164, l.Company, tx.companyKey(l.Company),
		nullInt(l.CompanySize), l.Title, l.Country, l.Source, l.FormSlug, l.FormKind, l.Campaign, string(utm), l.LandingURL, string(touches),
		l.CreditedPID, nullString(l.CreditedPartnerID), l.AttributionModel, nullString(l.ReservedPartnerID), l.Owner.Kind, l.Owner.ID,
		nullString(l.Owner.PartnerID), nullString(l.HandoffPartnerID), nullString(l.AccountID), l.Consent.Share, consentAt, wording,
		l.Score, l.NurtureTrack, l.Responses, l.RoutedRule, tx.timeArg(l.CreatedAt), tx.timeArg(l.UpdatedAt)}
	if d := tx.deferred; d != nil {
		d.leads = append(d.leads, row)
		if l.Email != "" && l.Status != leadrouter.StatusConverted && l.Status != leadrouter.StatusDisqualified {
			d.openEmails[l.Email] = true
		}
		d.subjects[l.ID] = &head{}
	} else {
		_, err := tx.Exec(ctx, insertLeads+valueRows(len(row), 1), row...)
		if isUniqueViolation(err) {
			return openLeadExists(l.Email)
		} else if err != nil {
			return fmt.Errorf("insert lead: %w", err)
		}
	}
	// The lead's company tokens are written later, by the indexer
	// (IndexLeadCompanies): it is found by e-mail, domain and company key
	// at once, by the words of its company within seconds.
	return nil
}

func emailDomain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return strings.ToLower(email[i+1:])
	}
	return ""
}

// Lead returns one lead as actor may see it (ENOTFOUND for a partner's
// request for a lead that is not routed, reserved or handed off to it).
// Redaction of contact details is the HTTP layer's DTO's job.
func (tx *Tx) Lead(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Lead, error) {
	cond, args := leadVisibility(actor)
	l, err := scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	return l, notFound(err, "Lead")
}

// LeadsByID returns the leads with ids that actor may see (as Lead), by
// id, in one statement; an id actor may not see or that is no lead's is
// left out.
func (tx *Tx) LeadsByID(ctx context.Context, actor leadrouter.Actor, ids []string) (map[string]leadrouter.Lead, error) {
	cond, args := leadVisibility(actor)
	leads, err := readInOrder(ctx, tx, "leads", `SELECT `+leadColumns+` FROM leads WHERE `+cond+` AND `, args, "id", uniq(slices.Clone(ids)),
		func(r *sql.Rows) (leadrouter.Lead, string, error) {
			l, err := scanLead(r)
			return l, l.ID, err
		})
	if err != nil {
		return nil, err
	}
	out := make(map[string]leadrouter.Lead, len(leads))
	for _, l := range leads {
		out[l.ID] = l
	}
	return out, nil
}

// LeadForUpdate returns a lead as Lead does, locking its row until the
// transaction ends (PostgreSQL; SQLite serialises writers).
func (tx *Tx) LeadForUpdate(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Lead, error) {
	cond, args := leadVisibility(actor)
	l, err := scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = ? AND `+cond+tx.forUpdate(), append([]any{id}, args...)...))
	return l, notFound(err, "Lead")
}

// OpenLeadByEmail returns the open lead with email (any visibility: for
// duplicate detection inside workflows), or ENOTFOUND.
func (tx *Tx) OpenLeadByEmail(ctx context.Context, email string) (leadrouter.Lead, error) {
	if tx.deferred.knownAbsent(email) {
		return leadrouter.Lead{}, notFound(sql.ErrNoRows, "Lead")
	}
	l, err := scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE email = ? AND email <> '' AND status NOT IN ('converted', 'disqualified')`+tx.forUpdate(), email))
	return l, notFound(err, "Lead")
}

// Leads lists the leads actor may see, newest first, filtered.
func (tx *Tx) Leads(ctx context.Context, actor leadrouter.Actor, f leadrouter.LeadFilter) (Page[leadrouter.Lead], error) {
	limit := clampLimit(f.Limit)
	cond, args := leadVisibility(actor)
	q := `SELECT ` + leadColumns + ` FROM leads WHERE ` + cond
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	if f.Email != "" {
		email := strings.ToLower(strings.TrimSpace(f.Email))
		byEmail := leadsByEmail("id")
		q += ` AND id IN (` + byEmail[0] + ` UNION ALL ` + byEmail[1] + `)`
		args = append(args, email, email)
		if actor.IsPartner() {
			// A partner may not learn that an e-mail it cannot see is a
			// lead's: it finds by e-mail only leads whose contact details
			// it may see (leadrouter.ContactVisibleTo).
			q += ` AND consent_share = ? AND (owner_partner_id = ? OR handoff_partner_id = ?)`
			args = append(args, true, actor.PartnerID, actor.PartnerID)
		}
	}
	if f.Company != "" {
		// The normalised name, or every distinctive word of it ("Acme"
		// finds "Acme EMEA GmbH") through the company-token index.
		// (A UNION of index lookups, not an OR: PostgreSQL would filter
		// every row for that.)
		q += ` AND id IN (SELECT id FROM leads WHERE company_key = ?`
		args = append(args, tx.companyKey(f.Company))
		if words := tx.companyWords(f.Company); len(words) > 0 {
			parts := make([]string, len(words))
			for i, w := range words {
				parts[i] = `SELECT ref_id FROM company_tokens WHERE token = ? AND kind = 'lead'`
				args = append(args, w)
			}
			q += ` UNION SELECT ref_id FROM (` + strings.Join(parts, " INTERSECT ") + `) AS words`
		}
		q += `)`
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Owner != "" {
		q += ` AND (owner_id = ? OR owner_partner_id = ?)`
		args = append(args, f.Owner, f.Owner)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.Lead]{}, fmt.Errorf("list leads: %w", err)
	}
	items, err := collect(rows, scanLead)
	if err != nil {
		return Page[leadrouter.Lead]{}, err
	}
	return cut(items, limit, func(l leadrouter.Lead) string { return l.ID }), nil
}

// UpdateLead writes back the mutable fields of a lead (status, owner,
// reservation, hand-off, account, consent, score, track, responses, rule).
// Callers read it with LeadForUpdate first and append timeline events.
func (tx *Tx) UpdateLead(ctx context.Context, l *leadrouter.Lead) error {
	l.UpdatedAt = tx.now
	consentAt := tx.timeArgPtr(l.Consent.At)
	wording, err := tx.wordingID(ctx, l.Consent.Text)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE leads SET status = ?, reserved_partner_id = ?, owner_kind = ?, owner_id = ?, owner_partner_id = ?,
		handoff_partner_id = ?, account_id = ?, consent_share = ?, consent_at = ?, consent_wording = ?, score = ?, nurture_track = ?,
		responses = ?, routed_rule = ?, form_kind = ?, updated_at = ? WHERE id = ?`,
		l.Status, nullString(l.ReservedPartnerID), l.Owner.Kind, l.Owner.ID, nullString(l.Owner.PartnerID), nullString(l.HandoffPartnerID),
		nullString(l.AccountID), l.Consent.Share, consentAt, wording, l.Score, l.NurtureTrack, l.Responses, l.RoutedRule, l.FormKind, tx.timeArg(l.UpdatedAt), l.ID)
	if err != nil {
		return fmt.Errorf("update lead %s: %w", l.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ENOTFOUND, "Lead not found.")
	}
	return nil
}

// LeadEvent appends an event to a lead's timeline.
func (tx *Tx) LeadEvent(ctx context.Context, leadID, typ string, actor leadrouter.Actor, data any) error {
	_, err := tx.AppendEvent(ctx, leadID, typ, actor, data)
	return err
}

// LeadCountSince counts leads credited to partnerID per month since t
// (attributed leads on the partner dashboard).
func (tx *Tx) LeadCountSince(ctx context.Context, partnerID string, since time.Time) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT created_at FROM leads WHERE credited_partner_id = ? AND created_at >= ?`, partnerID, tx.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("count attributed leads: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var at dbTime
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out[time.Time(at).Format("2006-01")]++
	}
	return out, rows.Err()
}
