package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/routing/live"
)

// policyRequest is the JSON form of PUT /api/v1/routing/policy's body.
type policyRequest struct {
	Policy string `json:"policy"`
}

// explainRequest is the body of POST /api/v1/routing/explain: a lead as
// POST /api/v1/leads takes it, and optionally a policy to try.
type explainRequest struct {
	Lead   json.RawMessage `json:"lead"`
	Policy string          `json:"policy"`
}

// explainBody is explainRequest as the OpenAPI document describes it: the
// lead has the fields of POST /api/v1/leads (explainRequest keeps it raw to
// report its mistyped fields with the rest).
type explainBody struct {
	Lead   leadRequest `json:"lead"`
	Policy string      `json:"policy"`
}

// MountRouting registers the routing policy and explain routes.
func (s *Server) MountRouting(router *live.Router) {
	s.Document("GET /api/v1/routing/policy", Doc{Summary: "Read the routing policy: {version, policy, history}, or its YAML alone",
		Query:   []Param{{Name: "format", Description: "yaml: answer the policy's YAML source (as does Accept: application/yaml)", Enum: []string{"yaml"}}},
		Headers: []Param{{Name: "Accept", Description: "application/yaml: answer the policy's YAML source"}}, ResponseTypes: []string{"application/yaml"}})
	s.Handle("GET /api/v1/routing/policy", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		_, version, src := router.Policy()
		history, err := s.lookup.PolicyHistory(r.Context(), 50)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("format") == "yaml" || r.Header.Get("Accept") == "application/yaml" {
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write([]byte(src))
			return nil
		}
		WriteJSON(w, http.StatusOK, map[string]any{"version": version, "policy": src, "history": history})
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM)

	s.Document("PUT /api/v1/routing/policy", Doc{Summary: "Replace the routing policy (stored as a new version): {version, policy}",
		Description: "The policy comes as YAML (Content-Type application/yaml or text/*) or as JSON {\"policy\": \"…yaml…\"}.",
		Body:        policyRequest{}, RawBody: []string{"application/yaml", "text/plain"}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("PUT /api/v1/routing/policy", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		src, err := policyFromRequest(r)
		if err != nil {
			return err
		}
		version, err := router.Replace(r.Context(), src, actor.UserID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"version": version, "policy": src})
		return nil
	}, leadrouter.RoleAdmin)

	s.Document("POST /api/v1/routing/explain", Doc{Summary: "Explain how a lead would be routed, under the current policy or the one given",
		Description: "lead takes the fields of POST /api/v1/leads's body; policy, when given, is a policy's YAML to try instead of the current one. " +
			"The answer: {rule, assignee, owner, reserved_partner_id, nurture_track, score, mql, trace}.",
		Body: explainBody{}, Errors: []int{http.StatusUnprocessableEntity}})
	s.Handle("POST /api/v1/routing/explain", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var req explainRequest
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		// The lead is decoded like POST /api/v1/leads's body, so values of
		// the wrong type are listed with the rest of what is invalid.
		var lead leadRequest
		var decodeErr error
		if len(req.Lead) > 0 && string(req.Lead) != "null" {
			if decodeErr = decodeJSONBody(req.Lead, &lead); decodeErr != nil && leadrouter.ErrorCode(decodeErr) != leadrouter.EINVALID {
				return BadRequest("lead must be a JSON object")
			}
		}
		sub := lead.submission()
		if decodeErr != nil {
			_, validateErr := sub.Validate()
			return mergeInvalid(decodeErr, validateErr)
		}
		dec, err := router.Explain(r.Context(), sub, req.Policy)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, map[string]any{"rule": dec.Rule, "assignee": dec.Owner, "owner": dec.Owner,
			"reserved_partner_id": dec.ReservedPartnerID, "nurture_track": dec.NurtureTrack, "score": dec.Score, "mql": dec.MQL, "trace": dec.Trace,
			"claims": dec.Claims})
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM)
}

// policyFromRequest accepts the policy as YAML (Content-Type
// application/yaml or text/*) or as JSON {"policy": "…yaml…"}.
func policyFromRequest(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "application/json" || ct == "" {
		var req policyRequest
		if err := DecodeJSON(r, &req); err != nil {
			return "", err
		}
		if req.Policy == "" {
			return "", &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.", Fields: []leadrouter.FieldError{{Field: "policy", Message: "is required"}}}
		}
		return req.Policy, nil
	}
	raw, err := readBody(r)
	return string(raw), err
}
