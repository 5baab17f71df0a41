package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/store"
)

type userRequest struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	PartnerID string `json:"partner_id"`
	Password  string `json:"password"`
}

type userCreated struct {
	leadrouter.User
	Token string `json:"token"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var req userRequest
	decodeErr := DecodeJSON(r, &req)
	in := leadrouter.NewUser{Email: req.Email, Name: req.Name, Role: leadrouter.Role(req.Role), PartnerID: req.PartnerID, Password: req.Password}
	if decodeErr != nil {
		// Values of the wrong type: list them with every other offending
		// field, in one 422.
		return mergeInvalid(decodeErr, in.Validate())
	}
	var out userCreated
	var err error
	if out.User, out.Token, err = s.admin.CreateUser(r.Context(), actor, in); err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	limit, cursor, err := pageParams(r, "usr")
	v := leadrouter.Validation{Fields: leadrouter.ErrorFields(err)}
	role := leadrouter.Role(r.URL.Query().Get("role"))
	if role != "" && !role.Valid() {
		v.Add("role", "must be admin, pam, relations, support, sales or partner")
	}
	if err := v.Err(); err != nil {
		return err
	}
	var page store.Page[leadrouter.User]
	if page, err = s.admin.Users(r.Context(), actor, role, limit, cursor); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var u leadrouter.User
	var err error
	if u, err = s.admin.User(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	return s.getUserByID(w, r, actor, actor.UserID)
}

func (s *Server) getUserByID(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor, id string) error {
	r.SetPathValue("id", id)
	return s.getUser(w, r, actor)
}

// tokenIssued is the answer to POST /api/v1/users/{id}/tokens: the secret
// is shown this once.
type tokenIssued struct {
	Token  leadrouter.Token `json:"token"`
	Secret string           `json:"secret"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var tokens []leadrouter.Token
	var err error
	if tokens, err = s.admin.Tokens(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"items": tokens})
	return nil
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var out tokenIssued
	var err error
	if out.Token, out.Secret, err = s.admin.IssueToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
	var t leadrouter.Token
	var hash string
	var err error
	if t, hash, err = s.admin.RevokeToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	s.tokens.forget(hash)
	WriteJSON(w, http.StatusOK, t)
	return nil
}
