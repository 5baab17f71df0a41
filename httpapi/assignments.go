package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/assignment"
	"github.com/leadrouter/leadrouter/store"
)

type declineRequest struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

type dealRequest struct {
	Stage     *string `json:"stage"`
	Amount    *string `json:"amount"`
	Currency  *string `json:"currency"`
	CloseDate *string `json:"close_date"`
}

type closeRequest struct {
	Result leadrouter.OpportunityStatus `json:"result"`
	Reason string                       `json:"reason"`
}

// MountAssignments registers the partner's answer (accept, decline), deal
// updates and performance figures (SPEC W12).
func (s *Server) MountAssignments(svc *assignment.Service) {
	s.Document("GET /api/v1/assignments", Doc{Summary: "List assignments: a partner its own, a PAM its partners', staff all",
		Query: pageQuery(Param{Name: "status", Description: "only assignments in this status", Enum: leadrouter.AssignmentStatusNames()},
			Param{Name: "partner_id", Description: "only this partner's (staff)"}),
		Response: store.Page[leadrouter.Assignment]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/assignments", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		limit, cursor, err := pageParams(r, "asg")
		q := r.URL.Query()
		f := store.AssignmentFilter{Status: leadrouter.AssignmentStatus(q.Get("status")), PartnerID: q.Get("partner_id"), Limit: limit, Cursor: cursor}
		v := leadrouter.Validation{Fields: leadrouter.ErrorFields(err)}
		if f.Status != "" && !f.Status.Valid() {
			v.Add("status", "must be pending, accepted, declined, lapsed or withdrawn")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if WantsCSV(r) {
			f.Limit = csvPageSize
			return StreamCSV(w, "assignments.csv", cursor, func(c string) (CSVPage[leadrouter.Assignment], error) {
				f.Cursor = c
				p, err := svc.List(r.Context(), actor, f)
				return pageOf(p), err
			})
		}
		page, err := svc.List(r.Context(), actor, f)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, page)
		return nil
	})

	s.Document("GET /api/v1/assignments/{id}", Doc{Summary: "Read an assignment", Response: leadrouter.Assignment{}, Errors: []int{http.StatusNotFound}})
	s.Handle("GET /api/v1/assignments/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		a, err := svc.Get(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, a)
		return nil
	})

	s.Document("POST /api/v1/assignments/{id}/accept", Doc{Summary: "Accept a lead or hand-off assigned to the caller's partner",
		Response: leadrouter.Assignment{}, Errors: []int{http.StatusNotFound, http.StatusConflict}})
	s.Handle("POST /api/v1/assignments/{id}/accept", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		a, err := svc.Accept(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, a)
		return nil
	}, leadrouter.RolePartner)

	s.Document("POST /api/v1/assignments/{id}/decline", Doc{Summary: "Decline an assignment with a reason: the lead is routed again without the caller's partner",
		Body: declineRequest{}, Response: leadrouter.Assignment{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/assignments/{id}/decline", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req declineRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		a, err := svc.Decline(r.Context(), actor, r.PathValue("id"), assignment.DeclineInput{Reason: req.Reason, Note: req.Note})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, a)
		return nil
	}, leadrouter.RolePartner)

	s.Document("PATCH /api/v1/opportunities/{id}", Doc{Summary: "Report on a deal after accepting its hand-off: stage, amount with currency, expected close date",
		Body: dealRequest{}, Response: OpportunityView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("PATCH /api/v1/opportunities/{id}", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req dealRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		o, err := svc.UpdateDeal(r.Context(), actor, r.PathValue("id"), assignment.DealInput{Stage: req.Stage, Amount: req.Amount,
			Currency: req.Currency, CloseDate: req.CloseDate})
		if err != nil {
			return err
		}
		return s.writeOpportunity(w, r, actor, o.ID)
	}, leadrouter.RolePartner)

	s.Document("POST /api/v1/opportunities/{id}/close", Doc{Summary: "Close a deal won or lost (a lost deal needs a reason)",
		Body: closeRequest{}, BodyEnums: map[string][]string{"result": {string(leadrouter.OppWon), string(leadrouter.OppLost)}},
		Response: OpportunityView{}, Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/opportunities/{id}/close", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req closeRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		o, err := svc.CloseDeal(r.Context(), actor, r.PathValue("id"), req.Result, req.Reason)
		if err != nil {
			return err
		}
		return s.writeOpportunity(w, r, actor, o.ID)
	}, leadrouter.RolePartner)

	periodQuery := []Param{{Name: "from", Description: "first day, YYYY-MM-DD (default: eleven months before this one's first)"},
		{Name: "to", Description: "last day, YYYY-MM-DD (default: today)"}}
	s.Document("GET /api/v1/partners/{id}/performance", Doc{Summary: "A partner's record: received, accepted, declined by reason, lapsed, time to answer, converted, won and lost, by month",
		Query: periodQuery, Response: assignment.Performance{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/partners/{id}/performance", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		from, to, err := assignment.Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.db.Now())
		if err != nil {
			return err
		}
		p, err := svc.Performance(r.Context(), actor, r.PathValue("id"), from, to)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, p)
		return nil
	})

	s.Document("GET /api/v1/performance", Doc{Summary: "The record of every partner the caller looks after (a PAM its partners; admins and support all): {items}",
		Query: periodQuery, Response: itemList[assignment.Performance]{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/performance", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		from, to, err := assignment.Period(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.db.Now())
		if err != nil {
			return err
		}
		items, err := svc.Performances(r.Context(), actor, from, to)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, itemList[assignment.Performance]{Items: items})
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RoleSupport)
}

// writeOpportunity answers with an opportunity as actor now sees it.
func (s *Server) writeOpportunity(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor, id string) error {
	o, l, err := s.lookup.Opportunity(r.Context(), actor, id)
	if err != nil {
		return err
	}
	v := NewOpportunityView(actor, o, l)
	RecordOpportunityReads(s.reads, actor, store.ChannelAPI, v)
	WriteJSON(w, http.StatusOK, v)
	return nil
}
