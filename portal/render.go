package portal

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
)

// view is what every page template gets.
type view struct {
	Title  string
	Actor  leadrouter.Actor
	Email  string
	CSRF   string
	Nav    []navLink
	Path   string
	Notice string
	Error  *formError
	Data   any
	// words: T (translate), Date (in the reader's zone), Lang.
	words
}

type navLink struct {
	Href, Label string
	Current     bool
}

// formError is an error as a page shows it: the client-safe message and the
// offending fields.
type formError struct {
	Message string
	Fields  []leadrouter.FieldError
}

func newFormError(err error) *formError {
	if err == nil {
		return nil
	}
	return &formError{Message: leadrouter.ErrorMessage(err), Fields: leadrouter.ErrorFields(err)}
}

// navFor is each role's navigation, the inbox last.
func navFor(role leadrouter.Role) []navLink {
	links := roleNav(role)
	if links == nil {
		return nil
	}
	switch role {
	case leadrouter.RoleRelations, leadrouter.RoleAdmin, leadrouter.RolePAM:
		links = append(links, navLink{Href: "/portal/conflicts", Label: "Conflicts"})
	}
	return append(links, navLink{Href: "/portal/notifications", Label: "Inbox"}, navLink{Href: "/portal/settings", Label: "Settings"})
}

func roleNav(role leadrouter.Role) []navLink {
	switch role {
	case leadrouter.RolePartner:
		return []navLink{{Href: "/portal/dashboard", Label: "Dashboard"}, {Href: "/portal/links", Label: "Link builder"},
			{Href: "/portal/assignments", Label: "Assignments"},
			{Href: "/portal/leads", Label: "My leads"}, {Href: "/portal/opportunities", Label: "Opportunities"},
			{Href: "/portal/registrations", Label: "Registrations"}}
	case leadrouter.RoleSupport:
		return []navLink{{Href: "/portal/leads", Label: "Search"}, {Href: "/portal/enquiry", Label: "New enquiry"},
			{Href: "/portal/reassignment-requests", Label: "Reassignment requests"}}
	case leadrouter.RoleSales:
		return []navLink{{Href: "/portal/leads", Label: "Leads"}, {Href: "/portal/enquiry", Label: "New enquiry"}}
	case leadrouter.RolePAM:
		return []navLink{{Href: "/portal/handoffs", Label: "Hand-off queue"}, {Href: "/portal/leads", Label: "Leads"}}
	case leadrouter.RoleRelations:
		return []navLink{{Href: "/portal/approvals", Label: "Approvals"}, {Href: "/portal/leads", Label: "Leads"}}
	case leadrouter.RoleAdmin:
		return []navLink{{Href: "/portal/admin/partners", Label: "Partners"}, {Href: "/portal/admin/users", Label: "Users"},
			{Href: "/portal/admin/reassignments", Label: "Reassignments"}, {Href: "/portal/admin/routing", Label: "Routing"},
			{Href: "/portal/handoffs", Label: "Hand-offs"}, {Href: "/portal/approvals", Label: "Approvals"},
			{Href: "/portal/leads", Label: "Leads"}, {Href: "/portal/enquiry", Label: "New enquiry"}}
	}
	return nil
}

var templateFuncs = template.FuncMap{
	"list": func(items ...string) []string { return items },
	// dict passes several values to a sub-template: dict "Key" value ….
	"dict": func(pairs ...any) (map[string]any, error) {
		if len(pairs)%2 != 0 {
			return nil, fmt.Errorf("dict: %d arguments, want key-value pairs", len(pairs))
		}
		m := make(map[string]any, len(pairs)/2)
		for i := 0; i < len(pairs); i += 2 {
			key, ok := pairs[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
			}
			m[key] = pairs[i+1]
		}
		return m, nil
	},
	// str dereferences an optional string (nil: empty).
	"str": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"date": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.UTC().Format("2006-01-02 15:04")
		case *time.Time:
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04")
		case *string:
			if t == nil {
				return ""
			}
			v = *t
		}
		if t, ok := v.(string); ok {
			if parsed, err := time.Parse(time.RFC3339Nano, t); err == nil {
				return parsed.UTC().Format("2006-01-02 15:04")
			}
			return t
		}
		return fmt.Sprint(v)
	},
}

// render executes page into a buffer first so a template error never
// leaves half a page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, s *session, status int, page, title string, data any, formErr error) {
	v := view{Title: title, Path: r.URL.Path, Data: data, Error: newFormError(formErr), words: p.wordsFor(r, s)}
	// Titles are catalogue texts, or a record's name (where a % is no verb).
	v.Title = v.T(strings.ReplaceAll(title, "%", "%%"))
	if s != nil {
		v.Actor, v.CSRF, v.Email = s.actor, s.csrf, s.email
		for _, l := range navFor(s.actor.Role) {
			l.Current = l.Href == r.URL.Path
			l.Label = v.T(l.Label)
			v.Nav = append(v.Nav, l)
		}
	}
	if n := r.URL.Query().Get("done"); n != "" {
		if text, ok := notices[n]; ok {
			v.Notice = v.T(text)
		}
	}
	t, ok := p.pages[page]
	if !ok {
		p.log.Error("portal: no such template", "page", page)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.Error("portal: render", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang())
	w.Header().Add("Vary", "Accept-Language")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// notices are the fixed messages a redirect after a POST may show
// (?done=key), so no text travels in the URL.
var notices = map[string]string{
	"partner_created":   "The partner was created.",
	"partner_updated":   "The partner's status was changed.",
	"user_created":      "The user was created.",
	"policy_saved":      "The routing policy was saved.",
	"owner_changed":     "The owner was changed.",
	"reassign_asked":    "Your reassignment request was sent to the vendor's operations team.",
	"handed_off":        "The opportunity was handed off.",
	"registration_done": "The registration was decided.",
	"extension_asked":   "Your extension request was sent to Partner Relations.",
	"reassign_resolved": "The reassignment request was resolved.",
	"settings_saved":    "Your notification settings were saved.",
	"conflict_resolved": "The conflict was resolved.",
	"accepted":          "You accepted it: it is yours to work.",
	"declined":          "You declined it: it goes to another partner or back to the vendor.",
	"deal_saved":        "The deal was saved.",
	"qualified":         "The lead is qualified; its consent answer is recorded.",
	"consent_recorded":  "The consent answer is recorded.",
	"disqualified":      "The lead is disqualified.",
	"converted":         "The lead is converted: its opportunity, account and contact exist.",
}

// statusOf maps an error code to an HTTP status.
func statusOf(err error) int {
	switch leadrouter.ErrorCode(err) {
	case leadrouter.EINVALID:
		return http.StatusUnprocessableEntity
	case leadrouter.ENOTFOUND:
		return http.StatusNotFound
	case leadrouter.ECONFLICT:
		return http.StatusConflict
	case leadrouter.EFORBIDDEN:
		return http.StatusForbidden
	case leadrouter.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case leadrouter.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case leadrouter.ERATELIMIT:
		return http.StatusTooManyRequests
	case leadrouter.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// renderError shows an error page; internal errors are logged and shown
// without detail.
func (p *Portal) renderError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		p.log.Error("portal request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	title := http.StatusText(status)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	p.render(w, r, s, status, "error", title, nil, err)
}
