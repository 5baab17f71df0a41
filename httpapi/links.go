package httpapi

import (
	"net/http"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/tracking"
)

// MountLinks registers the link builder: GET /api/v1/partners/{id}/links?url=
// returns the page URL with the partner's PID and a copy-paste HTML snippet.
// Partner users get links for their own partner only (404 for others); a
// suspended partner gets none (409, see LinksRecord).
func (s *Server) MountLinks(siteHosts []string) {
	s.Document("GET /api/v1/partners/{id}/links", Doc{Summary: "Build a tracked link to a page of the site: {url, html, pid}",
		Query:  []Param{{Name: "url", Description: "the page of the vendor's site to link to", Required: true}},
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}})
	s.Handle("GET /api/v1/partners/{id}/links", func(w http.ResponseWriter, r *http.Request, actor leadrouter.Actor) error {
		var p leadrouter.Partner
		var err error
		if p, err = s.admin.Partner(r.Context(), actor, r.PathValue("id")); err != nil {
			return err
		}
		if err := LinksRecord(p); err != nil {
			return err
		}
		raw := r.URL.Query().Get("url")
		if raw == "" {
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "url", Message: "is required: the page of the vendor's site to link to"}}}
		}
		link, snippet, err := tracking.BuildLink(raw, string(p.PID), siteHosts)
		if err != nil {
			return &leadrouter.Error{Code: leadrouter.EINVALID, Message: "The request has invalid fields.",
				Fields: []leadrouter.FieldError{{Field: "url", Message: leadrouter.ErrorMessage(err)}}}
		}
		WriteJSON(w, http.StatusOK, map[string]string{"url": link, "html": snippet, "pid": string(p.PID)})
		return nil
	}, leadrouter.RoleAdmin, leadrouter.RolePAM, leadrouter.RolePartner)
}

// LinksRecord returns nil when links carrying p's PID are tracked, and for
// a suspended partner the ECONFLICT error that the link builders (this API
// and the portal's page) answer instead of a link: the redirect strips a
// suspended partner's PID without recording a touch or a click, so a link
// built for it would credit nobody.
func LinksRecord(p leadrouter.Partner) error {
	if p.Status == leadrouter.PartnerActive {
		return nil
	}
	return leadrouter.Errorf(leadrouter.ECONFLICT, "%s is suspended: links with its PID %s record no touches and no clicks, so no link is built until the partner is reactivated.", p.Name, p.PID)
}
