package store

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrouter/leadrouter"
)

const assignmentColumns = `id, lead_id, COALESCE(opportunity_id, ''), partner_id, status, rule, opened_at, due_at, remind_at,
	reminded_at, answered_at, answered_by, reason, note`

func scanAssignment(s interface{ Scan(...any) error }) (leadrouter.Assignment, error) {
	var a leadrouter.Assignment
	var opened, due, remind dbTime
	var reminded, answered nullTime
	err := s.Scan(&a.ID, &a.LeadID, &a.OpportunityID, &a.PartnerID, &a.Status, &a.Rule, &opened, &due, &remind,
		&reminded, &answered, &a.AnsweredBy, &a.Reason, &a.Note)
	a.OpenedAt, a.DueAt, a.RemindAt = time.Time(opened), time.Time(due), time.Time(remind)
	a.RemindedAt, a.AnsweredAt = reminded.t, answered.t
	return a, err
}

// assignmentVisibility: staff see every assignment, a PAM those of its
// partners, a partner user its own partner's.
func assignmentVisibility(actor leadrouter.Actor) (string, []any) {
	switch {
	case actor.Role == leadrouter.RolePAM:
		return "partner_id IN (SELECT id FROM partners WHERE pam_user_id = ?)", []any{actor.UserID}
	case actor.IsStaff():
		return "1 = 1", nil
	case actor.IsPartner() && actor.PartnerID != "":
		return "partner_id = ?", []any{actor.PartnerID}
	}
	return "1 = 0", nil
}

const insertAssignments = `INSERT INTO assignments (id, lead_id, opportunity_id, partner_id, status, rule, opened_at, due_at, remind_at) VALUES `

// InsertAssignment stores a new assignment; a lead that has a pending one
// already is ECONFLICT. In a batch, the assignment of a lead the batch
// creates is written with the lead's rows, in one statement for all.
func (tx *Tx) InsertAssignment(ctx context.Context, a leadrouter.Assignment) error {
	row := []any{a.ID, a.LeadID, nullString(a.OpportunityID), a.PartnerID, a.Status, a.Rule, tx.timeArg(a.OpenedAt), tx.timeArg(a.DueAt), tx.timeArg(a.RemindAt)}
	if d := tx.deferred; d != nil && d.pendingHead(a.LeadID) != nil {
		d.assignments = append(d.assignments, row)
		return nil
	}
	_, err := tx.Exec(ctx, insertAssignments+valueRows(len(row), 1), row...)
	if isUniqueViolation(err) {
		return leadrouter.Errorf(leadrouter.ECONFLICT, "The lead has a pending assignment already.")
	} else if err != nil {
		return fmt.Errorf("insert assignment: %w", err)
	}
	return nil
}

// Assignment reads one assignment as actor may see it, locked for the
// rest of a read-write transaction (ENOTFOUND otherwise).
func (tx *Tx) Assignment(ctx context.Context, actor leadrouter.Actor, id string) (leadrouter.Assignment, error) {
	cond, args := assignmentVisibility(actor)
	a, err := scanAssignment(tx.QueryRow(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE id = ? AND `+cond+tx.forUpdate(),
		append([]any{id}, args...)...))
	return a, notFound(err, "Assignment")
}

// PendingAssignmentOfLead returns the lead's pending assignment, locked,
// or ENOTFOUND.
func (tx *Tx) PendingAssignmentOfLead(ctx context.Context, leadID string) (leadrouter.Assignment, error) {
	a, err := scanAssignment(tx.QueryRow(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE lead_id = ? AND status = 'pending'`+tx.forUpdate(), leadID))
	return a, notFound(err, "Assignment")
}

// AssignmentsOfLead lists a lead's assignments, oldest first.
func (tx *Tx) AssignmentsOfLead(ctx context.Context, leadID string) ([]leadrouter.Assignment, error) {
	rows, err := tx.Query(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE lead_id = ? ORDER BY opened_at, id`, leadID)
	if err != nil {
		return nil, fmt.Errorf("assignments of lead: %w", err)
	}
	return collect(rows, scanAssignment)
}

// AssignmentFilter selects assignments for a list; zero fields do not
// filter.
type AssignmentFilter struct {
	Status    leadrouter.AssignmentStatus
	PartnerID string
	Limit     int
	Cursor    string
}

// Assignments lists the assignments actor may see, newest first.
func (tx *Tx) Assignments(ctx context.Context, actor leadrouter.Actor, f AssignmentFilter) (Page[leadrouter.Assignment], error) {
	limit := clampLimit(f.Limit)
	cond, args := assignmentVisibility(actor)
	q := `SELECT ` + assignmentColumns + ` FROM assignments WHERE ` + cond
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.PartnerID != "" {
		q += ` AND partner_id = ?`
		args = append(args, f.PartnerID)
	}
	if f.Cursor != "" {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return Page[leadrouter.Assignment]{}, fmt.Errorf("list assignments: %w", err)
	}
	items, err := collect(rows, scanAssignment)
	if err != nil {
		return Page[leadrouter.Assignment]{}, err
	}
	return cut(items, limit, func(a leadrouter.Assignment) string { return a.ID }), nil
}

// AnswerAssignment records the end of a pending assignment (accepted,
// declined, lapsed or withdrawn). It changes nothing and reports false
// when the assignment is no longer pending: another transaction answered
// it first.
func (tx *Tx) AnswerAssignment(ctx context.Context, a leadrouter.Assignment) (bool, error) {
	answered := tx.timeArgPtr(a.AnsweredAt)
	res, err := tx.Exec(ctx, `UPDATE assignments SET status = ?, answered_at = ?, answered_by = ?, reason = ?, note = ?
		WHERE id = ? AND status = 'pending'`, a.Status, answered, a.AnsweredBy, a.Reason, a.Note, a.ID)
	if err != nil {
		return false, fmt.Errorf("answer assignment %s: %w", a.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimDueAssignments returns up to limit pending assignments due at or
// before now, locked; rows another transaction holds are skipped
// (PostgreSQL), so several processes each lapse their own.
func (tx *Tx) ClaimDueAssignments(ctx context.Context, now time.Time, limit int) ([]leadrouter.Assignment, error) {
	rows, err := tx.Query(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE status = 'pending' AND due_at <= ?
		ORDER BY due_at LIMIT ?`+tx.skipLocked(), tx.timeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due assignments: %w", err)
	}
	return collect(rows, scanAssignment)
}

// ClaimReminders marks up to limit pending assignments whose reminder is
// due as reminded now and returns them (skipping rows others hold).
func (tx *Tx) ClaimReminders(ctx context.Context, now time.Time, limit int) ([]leadrouter.Assignment, error) {
	rows, err := tx.Query(ctx, `SELECT `+assignmentColumns+` FROM assignments WHERE status = 'pending' AND reminded_at IS NULL
		AND remind_at <= ? ORDER BY remind_at LIMIT ?`+tx.skipLocked(), tx.timeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	due, err := collect(rows, scanAssignment)
	if err != nil {
		return nil, err
	}
	for i := range due {
		if _, err := tx.Exec(ctx, `UPDATE assignments SET reminded_at = ? WHERE id = ?`, tx.timeArg(tx.now), due[i].ID); err != nil {
			return nil, fmt.Errorf("remind %s: %w", due[i].ID, err)
		}
		at := tx.now
		due[i].RemindedAt = &at
	}
	return due, nil
}

// AssignmentsOpened lists the assignments of partners opened in [from,
// to), for performance figures (nil partners: every partner).
func (tx *Tx) AssignmentsOpened(ctx context.Context, partners []string, from, to time.Time) ([]leadrouter.Assignment, error) {
	q := `SELECT ` + assignmentColumns + ` FROM assignments WHERE opened_at >= ? AND opened_at < ?`
	args := []any{tx.timeArg(from), tx.timeArg(to)}
	if partners != nil {
		if len(partners) == 0 {
			return nil, nil
		}
		cond, more := tx.idIn("partner_id", partners)
		q += ` AND ` + cond
		args = append(args, more...)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY opened_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("assignments opened: %w", err)
	}
	return collect(rows, scanAssignment)
}

// DealsClosed lists the opportunities of partners closed in [from, to).
func (tx *Tx) DealsClosed(ctx context.Context, partners []string, from, to time.Time) ([]leadrouter.Opportunity, error) {
	q := `SELECT ` + opportunityColumns + ` FROM opportunities WHERE closed_at >= ? AND closed_at < ?`
	args := []any{from.UTC(), to.UTC()}
	if partners != nil {
		if len(partners) == 0 {
			return nil, nil
		}
		cond, more := tx.idIn("partner_id", partners)
		q += ` AND ` + cond
		args = append(args, more...)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY closed_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("deals closed: %w", err)
	}
	return collect(rows, scanOpportunity)
}

// LeadStatuses returns the status of each lead of ids.
func (tx *Tx) LeadStatuses(ctx context.Context, ids []string) (map[string]leadrouter.LeadStatus, error) {
	out := map[string]leadrouter.LeadStatus{}
	for lo := 0; lo < len(ids); lo += flushChunk {
		cond, args := tx.idIn("id", ids[lo:min(lo+flushChunk, len(ids))])
		rows, err := tx.Query(ctx, `SELECT id, status FROM leads WHERE `+cond, args...)
		if err != nil {
			return nil, fmt.Errorf("lead statuses: %w", err)
		}
		for rows.Next() {
			var id string
			var st leadrouter.LeadStatus
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
