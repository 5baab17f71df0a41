package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/leadrouter/leadrouter"
)

// partnerColumns are a partner's columns, its countries and domains
// included (one statement for a partner instead of three: in the intake
// writer each is a round trip on PostgreSQL). Selected FROM partners, not
// aliased. Neither countries (ISO codes) nor domains hold a comma.
const partnerColumns = `id, pid, name, tier, COALESCE(pam_user_id, ''), status, weight, COALESCE(daily_cap, 0), time_zone, created_at, updated_at,
	COALESCE((SELECT string_agg(country, ',' ORDER BY country) FROM partner_countries WHERE partner_id = partners.id), ''),
	COALESCE((SELECT string_agg(domain, ',' ORDER BY domain) FROM partner_domains WHERE partner_id = partners.id), '')`

func scanPartner(s interface{ Scan(...any) error }) (leadrouter.Partner, error) {
	var p leadrouter.Partner
	var pid, countries, domains string
	err := s.Scan(&p.ID, &pid, &p.Name, &p.Tier, &p.PAMUserID, &p.Status, &p.Weight, &p.DailyCap, &p.TimeZone, &p.CreatedAt, &p.UpdatedAt, &countries, &domains)
	p.PID = leadrouter.PID(pid)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.Countries, p.Domains = splitList(countries), splitList(domains)
	return p, err
}

// splitList splits a comma-separated aggregate ("" is the empty list).
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// PIDTaken reports whether a partner has (or had) pid.
func (tx *Tx) PIDTaken(ctx context.Context, pid leadrouter.PID) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM partners WHERE pid = ?`, string(pid)).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("check pid: %w", err)
	}
	return true, nil
}

// insertPartner is InsertPartner's statement (TestWritesScanNoTable reads
// its program).
const insertPartner = `INSERT INTO partners (id, pid, name, tier, pam_user_id, status, weight, daily_cap, time_zone, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// InsertPartner stores a new partner with its countries and domains. A
// taken PID or another partner's domain is ECONFLICT naming the field.
func (tx *Tx) InsertPartner(ctx context.Context, p leadrouter.Partner) error {
	_, err := tx.Exec(ctx, insertPartner,
		p.ID, string(p.PID), p.Name, p.Tier, nullString(p.PAMUserID), p.Status, p.Weight, nullInt(p.DailyCap), p.TimeZone, p.CreatedAt, p.UpdatedAt)
	if isUniqueViolation(err) {
		return &leadrouter.Error{Code: leadrouter.ECONFLICT, Message: "That PID is taken (PIDs are never reused).",
			Fields: []leadrouter.FieldError{{Field: "pid", Message: "is already taken"}}}
	} else if err != nil {
		return fmt.Errorf("insert partner: %w", err)
	}
	if err := tx.setPartnerCountries(ctx, p.ID, p.Countries); err != nil {
		return err
	}
	for _, d := range p.Domains {
		if _, err := tx.Exec(ctx, `INSERT INTO partner_domains (domain, partner_id) VALUES (?, ?)`, d, p.ID); isUniqueViolation(err) {
			return &leadrouter.Error{Code: leadrouter.ECONFLICT, Message: "A domain belongs to another partner.",
				Fields: []leadrouter.FieldError{{Field: "domains", Message: d + " is already another partner's domain"}}}
		} else if err != nil {
			return fmt.Errorf("insert partner domain: %w", err)
		}
	}
	return nil
}

func (tx *Tx) setPartnerCountries(ctx context.Context, partnerID string, countries []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM partner_countries WHERE partner_id = ?`, partnerID); err != nil {
		return fmt.Errorf("clear partner countries: %w", err)
	}
	for _, c := range countries {
		if _, err := tx.Exec(ctx, `INSERT INTO partner_countries (partner_id, country) VALUES (?, ?)`, partnerID, c); err != nil {
			return fmt.Errorf("insert partner country: %w", err)
		}
	}
	return nil
}

// partnerVisibility returns the condition limiting partners to what actor
// may see: a partner user its own partner, a PAM the partners assigned to it.
func partnerVisibility(actor leadrouter.Actor) (string, []any) {
	switch actor.Role {
	case leadrouter.RolePartner:
		return "id = ?", []any{actor.PartnerID}
	case leadrouter.RolePAM:
		return "pam_user_id = ?", []any{actor.UserID}
	case "":
		return "1 = 0", nil
	}
	return "1 = 1", nil
}

// Partner returns one partner as actor may see it (ENOTFOUND otherwise).
func (tx *Tx) Partner(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Partner, error) {
	// In a batch the system's reads of partners go through the directory
	// cache.
	var version int64
	if tx.deferred != nil && actor.Role == leadrouter.System.Role && actor.UserID == leadrouter.System.UserID {
		var err error
		if version, err = tx.directoryVersion(ctx); err != nil {
			return leadrouter.Partner{}, err
		}
		if p, ok := tx.db.directory.partner(version, id); ok {
			return p, nil
		}
	}
	cond, args := partnerVisibility(actor)
	p, err := scanPartner(tx.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return p, notFound(err, "Partner")
	}
	if version != 0 {
		tx.db.directory.keepPartner(version, p)
	}
	return p, nil
}

// clonePartner copies p's slices, so a caller changing its copy changes
// no cached one.
func clonePartner(p leadrouter.Partner) leadrouter.Partner {
	p.Countries = slices.Clone(p.Countries)
	p.Domains = slices.Clone(p.Domains)
	return p
}

// PartnerByPID returns the partner with the given PID (any status).
func (tx *Tx) PartnerByPID(ctx context.Context, pid string) (leadrouter.Partner, error) {
	p, err := scanPartner(tx.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE pid = ?`, strings.ToUpper(pid)))
	if err != nil {
		return p, notFound(err, "Partner")
	}
	return p, nil
}

// Partners lists the partners actor may see, by id, one page at a time.
func (tx *Tx) Partners(ctx context.Context, actor leadrouter.Actor, limit int, cursor string) (Page[leadrouter.Partner], error) {
	limit = clampLimit(limit)
	cond, args := partnerVisibility(actor)
	rows, err := tx.Query(ctx, `SELECT `+partnerColumns+` FROM partners WHERE id > ? AND `+cond+` ORDER BY id LIMIT ?`,
		append(append([]any{cursor}, args...), limit+1)...)
	if err != nil {
		return Page[leadrouter.Partner]{}, fmt.Errorf("list partners: %w", err)
	}
	var items []leadrouter.Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			rows.Close()
			return Page[leadrouter.Partner]{}, err
		}
		items = append(items, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page[leadrouter.Partner]{}, err
	}
	return cut(items, limit, func(p leadrouter.Partner) string { return p.ID }), nil
}

// AllPartners returns every partner with countries and domains (for the
// routing directory; the number of partners is small).
func (tx *Tx) AllPartners(ctx context.Context) ([]leadrouter.Partner, error) {
	var all []leadrouter.Partner
	cursor := ""
	for {
		page, err := tx.Partners(ctx, leadrouter.System, 500, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// SavePartner writes a partner's fields back, its countries too when
// countries is set. A pam_user_id naming no user is EINVALID.
func (tx *Tx) SavePartner(ctx context.Context, p leadrouter.Partner, countries bool) error {
	_, err := tx.Exec(ctx, `UPDATE partners SET name = ?, status = ?, tier = ?, pam_user_id = ?, weight = ?, daily_cap = ?, time_zone = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Status, p.Tier, nullString(p.PAMUserID), p.Weight, nullInt(p.DailyCap), p.TimeZone, p.UpdatedAt, p.ID)
	if isConstraintViolation(err) {
		return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
			Fields: []leadrouter.FieldError{{Field: "pam_user_id", Message: "must name an existing user"}}}
	} else if err != nil {
		return fmt.Errorf("update partner: %w", err)
	}
	if countries {
		return tx.setPartnerCountries(ctx, p.ID, p.Countries)
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}
