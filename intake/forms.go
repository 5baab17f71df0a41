package intake

import (
	"bytes"
	"encoding/json"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadrouter/leadrouter"
	"github.com/leadrouter/leadrouter/clientip"
	"github.com/leadrouter/leadrouter/store"
	"github.com/leadrouter/leadrouter/tracking"
)

// FormHandler serves the public POST /forms/{slug}.
type FormHandler struct {
	Service   *Service
	Codec     *tracking.Codec
	SiteHosts []string
	Limiter   *RateLimiter
	// Shared, when set, is the same budget counted in the database, so
	// that several server processes do not each allow it.
	Shared *SharedLimiter
	Logger *slog.Logger
	// WriteError renders errors as problem documents.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
}

// utmKeys are the campaign parameters recorded with a lead.
var utmKeys = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

func (h *FormHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := clientip.Addr(r)
	if ok, wait := h.Limiter.Allow(ip); !ok {
		h.tooMany(w, r, wait)
		return
	}
	if !h.sameSite(r) {
		h.fail(w, r, leadrouter.Errorf(leadrouter.EFORBIDDEN, "Forms accept submissions only from the vendor's own site."))
		return
	}
	// The budget every server process shares (after the checks that cost
	// nothing, as it costs a write).
	if h.Shared != nil {
		if ok, wait := h.Shared.Hit(r.Context(), ip); !ok {
			h.tooMany(w, r, wait)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	var form leadrouter.Form
	if err := h.Service.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		form, err = tx.FormBySlug(r.Context(), r.PathValue("slug"))
		return err
	}); err != nil {
		h.fail(w, r, err)
		return
	}
	// The honeypot: people never see the field, bots fill it. Answer as if
	// accepted and store nothing.
	if strings.TrimSpace(r.PostForm.Get("website")) != "" {
		h.Logger.Info("form honeypot hit", "form", form.Slug, "ip", ip)
		h.accepted(w, r, form, "")
		return
	}
	sub := Submission{
		FirstName: r.PostForm.Get("first_name"), LastName: r.PostForm.Get("last_name"), Email: r.PostForm.Get("email"),
		Phone: r.PostForm.Get("phone"), Company: r.PostForm.Get("company"), Title: r.PostForm.Get("title"),
		Country: r.PostForm.Get("country"), Source: leadrouter.SourceWebForm, Campaign: form.Campaign,
		FormSlug: form.Slug, FormKind: form.Kind, PartnerCode: r.PostForm.Get("partner_code"), IP: ip,
		Touches: h.Codec.TouchesFromRequest(r),
	}
	if c := r.PostForm.Get("campaign"); c != "" {
		sub.Campaign = c
	}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("company_size"))); err == nil {
		sub.CompanySize = n
	}
	if form.Kind == leadrouter.FormEvent {
		sub.Source = leadrouter.SourceEvent
		sub.EventPartner = form.PartnerID
	}
	landing := r.PostForm.Get("landing_url")
	if landing == "" {
		landing = r.Referer()
	}
	sub.LandingURL = landing
	sub.UTM = map[string]string{}
	var landingQuery url.Values
	if u, err := url.Parse(landing); err == nil {
		landingQuery = u.Query()
	}
	for _, k := range utmKeys {
		if v := r.PostForm.Get(k); v != "" {
			sub.UTM[k] = v
		} else if v := landingQuery.Get(k); v != "" {
			sub.UTM[k] = v
		}
	}
	if len(sub.UTM) == 0 {
		// The visitor browsed on from the page a partner's link landed on
		// (its campaign parameters are in the touch's landing).
		sub.UTM = touchUTM(sub.Touches)
	}
	switch strings.ToLower(r.PostForm.Get("consent_share")) {
	case "on", "true", "1", "yes":
		yes := true
		sub.ConsentShare, sub.ConsentText = &yes, form.ConsentText
		if sub.ConsentText == "" {
			sub.ConsentText = r.PostForm.Get("consent_text")
		}
	}
	res, err := h.Service.Capture(r.Context(), leadrouter.Actor{}, sub, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.accepted(w, r, form, res.Lead.ID)
}

func (h *FormHandler) accepted(w http.ResponseWriter, r *http.Request, form leadrouter.Form, _ string) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "accepted", "redirect": form.SuccessURL})
		return
	}
	http.Redirect(w, r, form.SuccessURL, http.StatusSeeOther)
}

// fail answers err. API clients get the problem document WriteError
// writes. A browser posting the form (its Accept names text/html and not
// application/json) gets, with the same status, a small HTML page listing
// each problem and a link back to the form.
func (h *FormHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Add("Vary", "Accept")
	if !wantsHTML(r) {
		h.WriteError(w, r, err)
		return
	}
	// WriteError holds the one mapping of errors to statuses and to what a
	// client may be told (internal details withheld): record its answer
	// and show that.
	rec := &problemRecorder{header: http.Header{}}
	h.WriteError(rec, r, err)
	var problem struct {
		Title  string                  `json:"title"`
		Detail string                  `json:"detail"`
		Errors []leadrouter.FieldError `json:"errors"`
	}
	if json.Unmarshal(rec.body.Bytes(), &problem) != nil || problem.Detail == "" {
		problem.Detail, problem.Errors = leadrouter.ErrorMessage(err), leadrouter.ErrorFields(err)
	}
	status := rec.status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if problem.Title == "" {
		problem.Title = http.StatusText(status)
	}
	page := formErrorPage{Title: problem.Title, Detail: problem.Detail, Back: h.backLink(r)}
	for _, f := range problem.Errors {
		page.Problems = append(page.Problems, leadrouter.FieldError{Field: strings.ReplaceAll(f.Field, "_", " "), Message: f.Message})
	}
	var buf bytes.Buffer
	if err := formErrorTemplate.Execute(&buf, page); err != nil {
		if h.Logger != nil {
			h.Logger.Error("render form error page", "err", err)
		}
		h.WriteError(w, r, err)
		return
	}
	header := w.Header()
	if retry := rec.header.Get("Retry-After"); retry != "" && header.Get("Retry-After") == "" {
		header.Set("Retry-After", retry)
	}
	header.Set("Content-Type", "text/html; charset=utf-8")
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Cache-Control", "no-store")
	header.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// wantsHTML reports whether the request comes from a browser posting a
// form rather than from an API client.
func wantsHTML(r *http.Request) bool {
	accept := strings.ToLower(r.Header.Get("Accept"))
	return !strings.Contains(accept, "application/json") && strings.Contains(accept, "text/html")
}

// backLink is where the error page links back to: the Referer when it is a
// page of the site (an http or https URL on one of its hosts), else "/".
func (h *FormHandler) backLink(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !h.ownHost(r, u.Hostname()) {
		return "/"
	}
	return u.String()
}

// formErrorPage is what the browser's error page shows.
type formErrorPage struct {
	Title    string
	Detail   string
	Problems []leadrouter.FieldError
	Back     string
}

// formErrorTemplate is the browser's error page; html/template escapes
// every value (the link too).
var formErrorTemplate = template.Must(template.New("form-error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>We could not accept your submission</h1>
<p>{{.Detail}}</p>
{{with .Problems}}<ul>
{{range .}}<li><strong>{{.Field}}</strong>: {{.Message}}</li>
{{end}}</ul>{{end}}
<p><a href="{{.Back}}">Go back to the form</a></p>
</main>
</body>
</html>
`))

// problemRecorder keeps what WriteError writes: its status, headers and
// body.
type problemRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *problemRecorder) Header() http.Header { return p.header }

func (p *problemRecorder) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *problemRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return p.body.Write(b)
}

// sameSite checks Origin (or, without it, Referer) against the site's
// hosts and the host leadrouter itself answers on. Requests with neither
// header (server-to-server integrations) pass.
func (h *FormHandler) sameSite(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	return h.ownHost(r, u.Hostname())
}

// ownHost reports whether host is one of the site's hosts or the host
// leadrouter itself answers r on.
func (h *FormHandler) ownHost(r *http.Request, host string) bool {
	if host == "" {
		return false
	}
	host = strings.ToLower(host)
	self, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		self = r.Host
	}
	if host == strings.ToLower(self) {
		return true
	}
	for _, allowed := range h.SiteHosts {
		if host == allowed {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// touchUTM returns the campaign parameters of the latest touch whose
// landing carried any.
func touchUTM(touches []leadrouter.Touch) map[string]string {
	utm := map[string]string{}
	for i := len(touches) - 1; i >= 0; i-- {
		u, err := url.Parse(touches[i].Landing)
		if err != nil {
			continue
		}
		q := u.Query()
		for _, k := range utmKeys {
			if v := q.Get(k); v != "" {
				utm[k] = v
			}
		}
		if len(utm) > 0 {
			break
		}
	}
	return utm
}

// tooMany answers 429 with how long to wait.
func (h *FormHandler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int(wait.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.fail(w, r, leadrouter.Errorf(leadrouter.ERATELIMIT, "Too many submissions from your address; try again in %d second%s.", secs, plural(secs)))
}
