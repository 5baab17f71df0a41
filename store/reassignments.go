package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/leadrouter/leadrouter"
)

const reassignmentColumns = `id, lead_id, COALESCE(partner_id, ''), requested_by, reason, status, resolved_by, resolved_at,
	new_owner_kind, new_owner_id, created_at`

func scanReassignment(s interface{ Scan(...any) error }) (leadrouter.ReassignmentRequest, error) {
	var r leadrouter.ReassignmentRequest
	var resolvedAt sql.NullTime
	if err := s.Scan(&r.ID, &r.LeadID, &r.PartnerID, &r.RequestedBy, &r.Reason, &r.Status, &r.ResolvedBy, &resolvedAt,
		&r.NewOwner.Kind, &r.NewOwner.ID, &r.CreatedAt); err != nil {
		return r, err
	}
	if resolvedAt.Valid {
		t := resolvedAt.Time.UTC()
		r.ResolvedAt = &t
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// InsertReassignmentRequest stores a new, open request.
func (tx *Tx) InsertReassignmentRequest(ctx context.Context, r *leadrouter.ReassignmentRequest) error {
	if r.ID == "" {
		r.ID = leadrouter.NewID("rar")
	}
	r.Status, r.CreatedAt = leadrouter.ReassignmentOpen, tx.now
	if _, err := tx.Exec(ctx, `INSERT INTO reassignment_requests (id, lead_id, partner_id, requested_by, reason, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, r.LeadID, nullString(r.PartnerID), r.RequestedBy, r.Reason, r.Status, r.CreatedAt); err != nil {
		return fmt.Errorf("insert reassignment request: %w", err)
	}
	return nil
}

// OpenReassignmentForLead returns the id of the lead's open request, or "".
func (tx *Tx) OpenReassignmentForLead(ctx context.Context, leadID string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM reassignment_requests WHERE lead_id = ? AND status = 'open' ORDER BY id LIMIT 1`, leadID).Scan(&id)
	if isNoRows(err) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("open reassignment request: %w", err)
	}
	return id, nil
}

// ReassignmentRequest returns one request (admins' queue: the caller checks
// the role).
func (tx *Tx) ReassignmentRequest(ctx context.Context, id string) (leadrouter.ReassignmentRequest, error) {
	r, err := scanReassignment(tx.QueryRow(ctx, `SELECT `+reassignmentColumns+` FROM reassignment_requests WHERE id = ?`, id))
	return r, notFound(err, "Reassignment request")
}

// ReassignmentRequestForUpdate returns a request and locks its row (take the
// lead's lock first).
func (tx *Tx) ReassignmentRequestForUpdate(ctx context.Context, id string) (leadrouter.ReassignmentRequest, error) {
	r, err := scanReassignment(tx.QueryRow(ctx, `SELECT `+reassignmentColumns+` FROM reassignment_requests WHERE id = ?`+tx.forUpdate(), id))
	return r, notFound(err, "Reassignment request")
}

// ResolveReassignmentRequest marks a request resolved with the lead's new
// owner.
func (tx *Tx) ResolveReassignmentRequest(ctx context.Context, r *leadrouter.ReassignmentRequest, by string) error {
	now := tx.now
	r.Status, r.ResolvedBy, r.ResolvedAt = leadrouter.ReassignmentResolved, by, &now
	res, err := tx.Exec(ctx, `UPDATE reassignment_requests SET status = ?, resolved_by = ?, resolved_at = ?, new_owner_kind = ?, new_owner_id = ?
		WHERE id = ? AND status = 'open'`, r.Status, r.ResolvedBy, now, r.NewOwner.Kind, r.NewOwner.ID, r.ID)
	if err != nil {
		return fmt.Errorf("resolve reassignment request: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return leadrouter.Errorf(leadrouter.ECONFLICT, "The reassignment request is already resolved.")
	}
	return nil
}

// ReassignmentRequests lists requests of a status ("" for all), newest
// first, with their leads and partners (admins only: the caller checks the
// role).
func (tx *Tx) ReassignmentRequests(ctx context.Context, status leadrouter.ReassignmentStatus, requestedBy string, limit int, cursor string) (Page[leadrouter.ReassignmentQueueItem], error) {
	limit = clampLimit(limit)
	q := `SELECT ` + reassignmentColumns + ` FROM reassignment_requests WHERE 1 = 1`
	var args []any
	if requestedBy != "" {
		q += ` AND requested_by = ?`
		args = append(args, requestedBy)
	}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	if cursor != "" {
		q += ` AND id < ?`
		args = append(args, cursor)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.ReassignmentQueueItem]{}, fmt.Errorf("list reassignment requests: %w", err)
	}
	var items []leadrouter.ReassignmentQueueItem
	for rows.Next() {
		r, err := scanReassignment(rows)
		if err != nil {
			rows.Close()
			return Page[leadrouter.ReassignmentQueueItem]{}, err
		}
		items = append(items, leadrouter.ReassignmentQueueItem{Request: r})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page[leadrouter.ReassignmentQueueItem]{}, err
	}
	// The leads, then the partners' names: two statements for the page.
	var leadIDs, partnerIDs []string
	for _, it := range items {
		leadIDs = append(leadIDs, it.Request.LeadID)
	}
	leads, err := tx.LeadsByID(ctx, leadrouter.System, leadIDs)
	if err != nil {
		return Page[leadrouter.ReassignmentQueueItem]{}, err
	}
	for i := range items {
		l, ok := leads[items[i].Request.LeadID]
		if !ok {
			return Page[leadrouter.ReassignmentQueueItem]{}, notFound(sql.ErrNoRows, "Lead")
		}
		items[i].Lead = l
		partnerIDs = append(partnerIDs, items[i].Request.PartnerID, l.Owner.PartnerID)
	}
	names, err := tx.PartnerNames(ctx, partnerIDs)
	if err != nil {
		return Page[leadrouter.ReassignmentQueueItem]{}, err
	}
	for i := range items {
		items[i].PartnerName, items[i].CurrentPartnerName = names[items[i].Request.PartnerID], names[items[i].Lead.Owner.PartnerID]
	}
	return cut(items, limit, func(it leadrouter.ReassignmentQueueItem) string { return it.Request.ID }), nil
}
