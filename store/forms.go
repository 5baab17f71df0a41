package store

import (
	"context"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

const formColumns = `id, slug, kind, success_url, consent_text, COALESCE(partner_id, ''), campaign, created_at`

func scanForm(s interface{ Scan(...any) error }) (leadrouter.Form, error) {
	var f leadrouter.Form
	err := s.Scan(&f.ID, &f.Slug, &f.Kind, &f.SuccessURL, &f.ConsentText, &f.PartnerID, &f.Campaign, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// InsertForm stores a new public form (f.ID and f.CreatedAt are set
// here); a taken slug is ECONFLICT.
func (tx *Tx) InsertForm(ctx context.Context, f leadrouter.Form) (leadrouter.Form, error) {
	var exists int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM forms WHERE slug = ?`, f.Slug).Scan(&exists); err != nil {
		return f, err
	}
	if exists > 0 {
		return f, &leadrouter.Error{Code: leadrouter.ECONFLICT, Message: "A form with that slug exists.", Fields: []leadrouter.FieldError{{Field: "slug", Message: "is already taken"}}}
	}
	f.ID, f.CreatedAt = leadrouter.NewID("frm"), tx.now
	if _, err := tx.Exec(ctx, `INSERT INTO forms (id, slug, kind, success_url, consent_text, partner_id, campaign, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.Slug, f.Kind, f.SuccessURL, f.ConsentText, nullString(f.PartnerID), f.Campaign, f.CreatedAt); err != nil {
		return f, fmt.Errorf("insert form: %w", err)
	}
	return f, nil
}

// FormBySlug returns the form with slug.
func (tx *Tx) FormBySlug(ctx context.Context, slug string) (leadrouter.Form, error) {
	f, err := scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE slug = ?`, slug))
	return f, notFound(err, "Form")
}

// Forms lists every form by slug.
func (tx *Tx) Forms(ctx context.Context) ([]leadrouter.Form, error) {
	rows, err := tx.Query(ctx, `SELECT `+formColumns+` FROM forms ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("list forms: %w", err)
	}
	defer rows.Close()
	out := []leadrouter.Form{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
